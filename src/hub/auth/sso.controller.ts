import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiFailedDependencyResponse,
  ApiForbiddenResponse,
  ApiFoundResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from './principal.js';
import { AnyPrincipal, Public } from './roles.js';
import { cookieNames, readCookie, setCookie } from './session-cookie.js';
import { RateLimitedError } from '../../domain/errors.js';
import { toErrorBody } from '../common/http-error.filter.js';
import { prefersHtml, ssoRefusalPage } from './sso-refusal-page.js';
import { SsoConfigDto, SsoSessionDto, SsoTokenLoginDto } from './sso.dto.js';
import { SsoService } from './sso.service.js';

/** What the routes read of an Express request. */
interface CookieRequest {
  headers: Record<string, string | undefined>;
  query: Record<string, unknown>;
  ip?: string;
  socket?: { remoteAddress?: string };
}

/** What the routes set on an Express response. */
interface CookieResponse {
  setHeader(name: string, value: string | string[]): void;
  redirect(status: number, url: string): void;
  status(code: number): { send(body: string): void };
}

const LOGIN_COOKIE_SECONDS = 600;

const SSO_OFF = 'single sign-on is not configured on this hub';
const REFUSED =
  'sign-in refused: bad or missing state or login cookie, or an invalid, expired or foreign ID token';
const NO_ROLE = "sign-in refused: none of the person's groups maps to a role";
const TOO_MANY = 'too many failed sign-ins from this address';

function address(req: CookieRequest): string {
  return req.ip ?? req.socket?.remoteAddress ?? 'unknown';
}

/**
 * Single sign-on (OpenID Connect): the dashboard's authorization code flow with PKCE, the CLI's
 * ID token exchange, and logout. The session rides in an HttpOnly cookie (dashboard) or as a
 * bearer token (CLI).
 */
@ApiTags('sso')
@Controller('api/v1/auth/sso')
export class SsoController {
  constructor(@Inject(SsoService) private readonly sso: SsoService) {}

  @Get('config')
  @Public()
  @ApiOkResponse({ type: SsoConfigDto })
  config(): SsoConfigDto {
    return this.sso.publicConfig();
  }

  @Get('login')
  @Public()
  @ApiFoundResponse({ description: "redirect to the OpenID provider's login page" })
  @ApiNotFoundResponse({ description: SSO_OFF })
  @ApiFailedDependencyResponse({ description: 'the OpenID provider could not be reached' })
  async login(@Res() res: CookieResponse): Promise<void> {
    const { redirectTo, loginCookie } = await this.sso.beginLogin();
    const names = cookieNames(this.sso.secureCookies);
    res.setHeader(
      'set-cookie',
      setCookie(names.login, loginCookie, LOGIN_COOKIE_SECONDS, this.sso.secureCookies),
    );
    res.setHeader('cache-control', 'no-store');
    res.redirect(302, redirectTo);
  }

  @Get('callback')
  @Public()
  @ApiFoundResponse({
    description: 'signed in: the session cookie is set and the browser sent to the dashboard',
  })
  @ApiUnauthorizedResponse({ description: REFUSED })
  @ApiForbiddenResponse({ description: NO_ROLE })
  @ApiNotFoundResponse({ description: SSO_OFF })
  @ApiTooManyRequestsResponse({ description: TOO_MANY })
  async callback(@Req() req: CookieRequest, @Res() res: CookieResponse): Promise<void> {
    const secure = this.sso.secureCookies;
    const names = cookieNames(secure);
    let session;
    try {
      session = await this.sso.finishLogin(
        req.query,
        readCookie(req.headers.cookie, names.login),
        address(req),
      );
    } catch (e) {
      // A person's browser lands here from the provider: a refusal is a page saying why, with
      // the way back to the sign-in, not a JSON body. API clients keep the JSON error, and a
      // server error goes to the error filter, which logs it.
      const body = toErrorBody(e);
      if (!prefersHtml(req.headers.accept) || body.statusCode >= 500) throw e;
      if (e instanceof RateLimitedError) res.setHeader('retry-after', String(e.retryAfterSeconds));
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('cache-control', 'no-store');
      res.setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
      res.status(body.statusCode).send(ssoRefusalPage(body.statusCode, body.message));
      return;
    }
    res.setHeader('set-cookie', [
      setCookie(names.login, '', 0, secure),
      setCookie(names.session, session.secret, session.maxAgeSeconds, secure),
    ]);
    res.setHeader('cache-control', 'no-store');
    res.redirect(302, '/');
  }

  @Post('token')
  @Public()
  @ApiCreatedResponse({ type: SsoSessionDto })
  @ApiUnauthorizedResponse({ description: REFUSED })
  @ApiForbiddenResponse({ description: NO_ROLE })
  @ApiNotFoundResponse({ description: SSO_OFF })
  @ApiTooManyRequestsResponse({ description: TOO_MANY })
  async token(@Body() dto: SsoTokenLoginDto, @Req() req: CookieRequest): Promise<SsoSessionDto> {
    const s = await this.sso.tokenLogin(dto.idToken, address(req));
    return { token: s.secret, expiresAt: s.expiresAt.toISOString(), name: s.name };
  }

  @Post('logout')
  @HttpCode(204)
  @AnyPrincipal()
  @ApiBearerAuth()
  @ApiNoContentResponse({ description: 'the session is revoked and its cookie cleared' })
  @ApiConflictResponse({ description: 'the request is authenticated by an API token, not an SSO session' })
  async logout(
    @CurrentPrincipal() p: Principal,
    @Res({ passthrough: true }) res: CookieResponse,
  ): Promise<void> {
    await this.sso.logout(p);
    res.setHeader(
      'set-cookie',
      setCookie(cookieNames(this.sso.secureCookies).session, '', 0, this.sso.secureCookies),
    );
  }
}
