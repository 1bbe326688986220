import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { ProjectModule } from '../projects/project.module.js';
import { ApiTokenRepository } from './api-token.repository.js';
import { AuthGuard } from './auth.guard.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';
import { OIDC_CLIENT, OpenIdOidcClient } from './oidc.client.js';
import { SsoSessionAdminService } from './sso-session-admin.service.js';
import { SsoSessionController } from './sso-session.controller.js';
import { SsoSessionRepository } from './sso-session.repository.js';
import { SsoController } from './sso.controller.js';
import { SsoService } from './sso.service.js';
import { TokenController } from './token.controller.js';
import { TokenService } from './token.service.js';
import { WhoamiController } from './whoami.controller.js';

@Module({
  imports: [AuditModule, ProjectModule],
  controllers: [TokenController, WhoamiController, SsoController, SsoSessionController],
  providers: [
    ApiTokenRepository,
    TokenService,
    SsoSessionRepository,
    SsoService,
    SsoSessionAdminService,
    FailedAuthLimiter,
    {
      // Null when SSO is off: the service then answers 404 on its routes and accepts no cookie.
      provide: OIDC_CLIENT,
      inject: [HUB_CONFIG],
      useFactory: (config: HubConfig) => (config.sso ? new OpenIdOidcClient(config.sso) : null),
    },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [TokenService],
})
export class AuthModule {}
