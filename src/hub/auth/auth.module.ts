import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module.js';
import { ProjectModule } from '../projects/project.module.js';
import { ApiTokenRepository } from './api-token.repository.js';
import { AuthGuard } from './auth.guard.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';
import { TokenController } from './token.controller.js';
import { TokenService } from './token.service.js';
import { WhoamiController } from './whoami.controller.js';

@Module({
  imports: [AuditModule, ProjectModule],
  controllers: [TokenController, WhoamiController],
  providers: [
    ApiTokenRepository,
    TokenService,
    FailedAuthLimiter,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [TokenService],
})
export class AuthModule {}
