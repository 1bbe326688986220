import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import * as oidc from 'openid-client';
import { type SsoConfig } from '../config/hub-config.js';

/** What the hub keeps (sealed, in a cookie) between sending a browser to the provider and its return. */
export interface LoginChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The claims of a verified ID token that the hub uses. */
export interface VerifiedIdToken {
  issuer: string;
  subject: string;
  email: string | null;
  /** Null: the token has no groups claim at all. */
  groups: string[] | null;
}

/**
 * Why the provider's answer was refused: a short reason safe to show, log and audit (never a
 * token, code or claim value).
 */
export class OidcRefusal extends Error {}

/** The OpenID provider, as the SSO service sees it. */
export interface OidcClient {
  /** The provider's authorization URL for a new code flow with PKCE, and the checks to keep. */
  beginLogin(redirectUri: string): Promise<{ url: string; checks: LoginChecks }>;
  /**
   * Redeems the code of a callback URL (state, PKCE verifier and nonce checked; the ID token's
   * issuer, audience = the dashboard client and expiry too); throws {@link OidcRefusal}.
   */
  finishLogin(callbackUrl: URL, checks: LoginChecks): Promise<VerifiedIdToken>;
  /**
   * Verifies an ID token a client obtained itself (the CLI's device flow): signature against the
   * provider's JWKS, issuer, audience = `audience`, expiry; throws {@link OidcRefusal}.
   */
  verifyIdToken(idToken: string, audience: string): Promise<VerifiedIdToken>;
}

/** Injection token for {@link OidcClient}. */
export const OIDC_CLIENT = Symbol('OIDC_CLIENT');

const CLOCK_TOLERANCE_SECONDS = 5;

/** {@link OidcClient} over `openid-client` (code flow) and `jose` (ID tokens handed over). */
export class OpenIdOidcClient implements OidcClient {
  private config: Promise<oidc.Configuration> | null = null;
  private jwks: ReturnType<typeof createRemoteJWKSet> | null = null;

  constructor(private readonly sso: SsoConfig) {}

  /** Discovery on first use (and again after a failure): a provider down at hub start is no reason not to start. */
  private configuration(): Promise<oidc.Configuration> {
    if (!this.config) {
      const insecure = new URL(this.sso.issuer).protocol === 'http:';
      this.config = oidc
        .discovery(
          new URL(this.sso.issuer),
          this.sso.clientId,
          {},
          this.sso.clientSecret ? oidc.ClientSecretPost(this.sso.clientSecret) : oidc.None(),
          insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
        )
        .then((c) => {
          c.timeout = 10;
          return c;
        })
        .catch((e: unknown) => {
          this.config = null;
          throw new OidcRefusal(`the OpenID provider could not be reached: ${reason(e)}`);
        });
    }
    return this.config;
  }

  async beginLogin(redirectUri: string): Promise<{ url: string; checks: LoginChecks }> {
    const config = await this.configuration();
    const checks: LoginChecks = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: this.sso.scopes.join(' '),
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.toString(), checks };
  }

  async finishLogin(callbackUrl: URL, checks: LoginChecks): Promise<VerifiedIdToken> {
    const config = await this.configuration();
    try {
      const tokens = await oidc.authorizationCodeGrant(
        config,
        callbackUrl,
        {
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          pkceCodeVerifier: checks.codeVerifier,
          idTokenExpected: true,
        },
        undefined,
      );
      const claims = tokens.claims();
      if (!claims) throw new OidcRefusal('the provider sent no ID token');
      return this.identity(claims);
    } catch (e) {
      if (e instanceof OidcRefusal) throw e;
      throw new OidcRefusal(reason(e));
    }
  }

  async verifyIdToken(idToken: string, audience: string): Promise<VerifiedIdToken> {
    const config = await this.configuration();
    const jwksUri = config.serverMetadata().jwks_uri;
    if (!jwksUri) throw new OidcRefusal('the provider publishes no jwks_uri');
    this.jwks ??= createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: 10_000 });
    try {
      const { payload } = await jwtVerify(idToken, this.jwks, {
        issuer: config.serverMetadata().issuer,
        audience,
        algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      // A token issued to several audiences must have been meant for this one (OIDC Core 3.1.3.7).
      if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== audience)
        throw new OidcRefusal('the ID token was issued to another client (azp)');
      return this.identity(payload);
    } catch (e) {
      if (e instanceof OidcRefusal) throw e;
      throw new OidcRefusal(reason(e));
    }
  }

  private identity(claims: JWTPayload): VerifiedIdToken {
    if (typeof claims.sub !== 'string' || !claims.sub) throw new OidcRefusal('the ID token has no subject');
    const raw = claims[this.sso.groupsClaim];
    let groups: string[] | null = null;
    if (raw !== undefined) {
      if (!Array.isArray(raw) || !raw.every((g) => typeof g === 'string'))
        throw new OidcRefusal(`the ID token's ${this.sso.groupsClaim} claim is not a list of group names`);
      groups = raw;
    }
    const email = typeof claims.email === 'string' ? claims.email : null;
    return { issuer: String(claims.iss), subject: claims.sub, email, groups };
  }
}

/**
 * A reason that names what failed without the failing value: jose and oauth4webapi messages
 * name claims and checks, never token contents; anything else is reduced to its class.
 */
function reason(e: unknown): string {
  if (e instanceof joseErrors.JWTExpired) return 'the ID token has expired';
  if (e instanceof joseErrors.JWTClaimValidationFailed)
    return `the ID token's ${e.claim} claim is not valid here (${e.reason})`;
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return 'the ID token signature is not valid';
  if (e instanceof joseErrors.JOSEError) return `the ID token is not valid (${e.code})`;
  if (e instanceof oidc.ResponseBodyError) return `the provider refused the code (${e.error})`;
  if (e instanceof oidc.AuthorizationResponseError) return `the provider refused the login (${e.error})`;
  const m = e instanceof Error ? e.message : '';
  if (/"exp"|expir/i.test(m)) return 'the ID token has expired';
  if (/"aud"/.test(m)) return 'the ID token was issued to another client (aud)';
  if (/"iss"/.test(m)) return 'the ID token was issued by another provider (iss)';
  if (/nonce/i.test(m)) return 'the ID token does not answer this login (nonce)';
  if (/state/i.test(m)) return 'the callback does not answer this login (state)';
  if (/fetch failed|ECONNREFUSED|timed? ?out|abort/i.test(m))
    return 'the OpenID provider could not be reached';
  return 'the provider\u2019s answer could not be verified';
}
