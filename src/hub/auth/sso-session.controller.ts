import { Controller, Delete, Get, HttpCode, Inject, Param, ParseUUIDPipe } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { type Actor } from '../../domain/audit-chain.js';
import { CurrentActor } from './principal.js';
import { RequireRole, type Role } from './roles.js';
import { SsoSessionAdminService } from './sso-session-admin.service.js';
import { SsoSessionListDto } from './sso.dto.js';

/** Admins see who is signed in through SSO and can end a session at once. */
@ApiTags('sso')
@ApiBearerAuth()
@RequireRole('admin')
@Controller('api/v1/auth/sessions')
export class SsoSessionController {
  constructor(@Inject(SsoSessionAdminService) private readonly sessions: SsoSessionAdminService) {}

  @Get()
  @ApiOkResponse({ type: SsoSessionListDto, description: 'live sessions, newest first (at most 500)' })
  async list(): Promise<SsoSessionListDto> {
    const items = (await this.sessions.list()).map((s) => ({
      ...s,
      role: s.role as Role | null,
      projects: s.projects as Record<string, Role>,
    }));
    return { items, nextCursor: null };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'the session is deleted: its next request is refused (401)' })
  @ApiNotFoundResponse({ description: 'no such session (expired, logged out or revoked already)' })
  revoke(@Param('id', new ParseUUIDPipe()) id: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.sessions.revoke(id, actor);
  }
}
