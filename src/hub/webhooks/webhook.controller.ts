import { Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiNotFoundResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Public } from '../auth/roles.js';
import { WebhookService, type WebhookResult } from './webhook.service.js';

/** The request as Express gives it, with the raw body Nest keeps for signature checks. */
interface RawRequest {
  rawBody?: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

/** What a push webhook answers: the repositories it made due for a poll. */
const REFRESHED = {
  type: 'object',
  properties: { refreshed: { type: 'array', items: { type: 'string' } } },
  required: ['refreshed'],
};
const URL_STRING = { type: 'string', minLength: 1, maxLength: 2047 };

/** Push webhooks: no bearer token; each is verified with its repository's webhook secret. */
@ApiTags('webhooks')
@ApiUnauthorizedResponse({ description: 'no signature, or none matches a repository with this URL' })
@ApiNotFoundResponse({ description: 'no repository has this URL' })
@Public()
@Controller('api/v1/webhooks')
export class WebhookController {
  constructor(@Inject(WebhookService) private readonly webhooks: WebhookService) {}

  @Post('git')
  @HttpCode(202)
  @ApiAcceptedResponse({
    description: 'GitHub, GitLab or Gitea push event; the matching repositories are polled at once',
    schema: REFRESHED,
  })
  @ApiBody({
    description:
      'push event as GitHub or Gitea send it (GitLab: project.git_http_url), signed with the ' +
      'repository webhook secret (X-Hub-Signature-256, X-Gitea-Signature or X-Gitlab-Token)',
    schema: {
      type: 'object',
      properties: {
        ref: { type: 'string', example: 'refs/heads/main' },
        repository: {
          type: 'object',
          properties: { clone_url: URL_STRING },
          required: ['clone_url'],
        },
      },
      required: ['repository'],
    },
  })
  git(@Req() req: RawRequest): Promise<WebhookResult> {
    return this.webhooks.git(req.rawBody, req.headers);
  }

  @Post('svn')
  @HttpCode(202)
  @ApiAcceptedResponse({
    description: 'post-commit hook of an SVN repository (scripts/svn-post-commit)',
    schema: REFRESHED,
  })
  @ApiBody({
    description: '{url, revision} signed with the repository webhook secret (X-Flotilla-Signature)',
    schema: {
      type: 'object',
      properties: { url: URL_STRING, revision: { type: 'string' } },
      required: ['url'],
    },
  })
  svn(@Req() req: RawRequest): Promise<WebhookResult> {
    return this.webhooks.svn(req.rawBody, req.headers);
  }
}
