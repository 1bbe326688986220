import { Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/roles.js';
import { WebhookService, type WebhookResult } from './webhook.service.js';

/** The request as Express gives it, with the raw body Nest keeps for signature checks. */
interface RawRequest {
  rawBody?: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

/** Push webhooks: no bearer token; each is verified with its repository's webhook secret. */
@ApiTags('webhooks')
@Public()
@Controller('api/v1/webhooks')
export class WebhookController {
  constructor(@Inject(WebhookService) private readonly webhooks: WebhookService) {}

  @Post('git')
  @HttpCode(202)
  @ApiAcceptedResponse({
    description: 'GitHub, GitLab or Gitea push event; the matching repositories are polled at once',
  })
  git(@Req() req: RawRequest): Promise<WebhookResult> {
    return this.webhooks.git(req.rawBody, req.headers);
  }

  @Post('svn')
  @HttpCode(202)
  @ApiAcceptedResponse({ description: 'post-commit hook of an SVN repository (scripts/svn-post-commit)' })
  svn(@Req() req: RawRequest): Promise<WebhookResult> {
    return this.webhooks.svn(req.rawBody, req.headers);
  }
}
