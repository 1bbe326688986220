import { Inject, Injectable } from '@nestjs/common';
import { InvalidInputError, UnauthenticatedError } from '../../domain/errors.js';
import { urlVariants, webhookVerified, type WebhookAuth } from '../../domain/webhook-signature.js';
import { CLOCK, type Clock } from '../platform/clock.js';
import { type RepositoryEntity } from '../repositories/repository.entity.js';
import { RepositoriesRepository } from '../repositories/repository.repository.js';
import { RepositoryService } from '../repositories/repository.service.js';

/** What a verified webhook did. */
export interface WebhookResult {
  /** Repositories whose poll was brought forward to now. */
  refreshed: string[];
}

type Headers = Record<string, string | string[] | undefined>;

/**
 * The one answer for "no such repository", "no webhook secret" and "wrong signature": anyone can
 * call the webhook, so telling them apart would list which repository URLs the hub polls.
 */
const NOT_VERIFIED = 'webhook signature does not match the secret of any repository with this URL';
/** Verified against when no repository matched, so that case takes as long as a wrong signature. */
const DECOY_SECRET = 'flotilla-webhook-decoy-secret';

/**
 * Push webhooks: find the repositories the payload names, verify the per-repository secret,
 * and make them due for polling at once (any replica's poller picks them up).
 */
@Injectable()
export class WebhookService {
  constructor(
    @Inject(RepositoriesRepository) private readonly repos: RepositoriesRepository,
    @Inject(RepositoryService) private readonly repositories: RepositoryService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** A GitHub, GitLab or Gitea push event. */
  async git(body: Buffer | undefined, headers: Headers): Promise<WebhookResult> {
    const payload = parse(body);
    const auth: WebhookAuth = {
      hmac: header(headers, 'x-hub-signature-256') ?? header(headers, 'x-gitea-signature'),
      token: header(headers, 'x-gitlab-token'),
    };
    const repo = (payload.repository ?? {}) as Record<string, unknown>;
    const project = (payload.project ?? {}) as Record<string, unknown>;
    const urls = [
      repo.clone_url,
      repo.html_url,
      repo.git_http_url,
      repo.url,
      repo.homepage,
      project.git_http_url,
      project.web_url,
    ].filter((u): u is string => typeof u === 'string' && u.length > 0 && u.length < 2048);
    if (urls.length === 0)
      throw new InvalidInputError('payload names no repository URL (repository.clone_url or similar)');
    const ref = typeof payload.ref === 'string' ? payload.ref : null;
    const matches = (r: RepositoryEntity) =>
      ref === null || !ref.startsWith('refs/heads/') || ref === `refs/heads/${r.branch}`;
    return this.trigger('git', urls, auth, body!, matches);
  }

  /** Our `scripts/svn-post-commit` hook: `{url, revision}` signed with X-Flotilla-Signature. */
  async svn(body: Buffer | undefined, headers: Headers): Promise<WebhookResult> {
    const payload = parse(body);
    if (typeof payload.url !== 'string' || payload.url.length === 0 || payload.url.length > 2048)
      throw new InvalidInputError('url: the repository URL is required');
    return this.trigger(
      'svn',
      [payload.url],
      { hmac: header(headers, 'x-flotilla-signature') },
      body!,
      () => true,
    );
  }

  private async trigger(
    type: 'git' | 'svn',
    urls: string[],
    auth: WebhookAuth,
    body: Buffer,
    wanted: (r: RepositoryEntity) => boolean,
  ): Promise<WebhookResult> {
    if (auth.hmac === undefined && auth.token === undefined)
      throw new UnauthenticatedError(
        'webhook carries no signature (X-Hub-Signature-256, X-Gitea-Signature, X-Gitlab-Token or X-Flotilla-Signature)',
      );
    const candidates = await this.repos.findByUrls(type, [...new Set(urls.flatMap(urlVariants))]);
    if (candidates.length === 0) webhookVerified(auth, DECOY_SECRET, body);
    const verified = candidates.filter((r) => {
      const secret = this.repositories.webhookSecretOf(r);
      return secret !== null && webhookVerified(auth, secret, body);
    });
    if (verified.length === 0) throw new UnauthenticatedError(NOT_VERIFIED);
    const due = verified.filter(wanted);
    await this.repos.markDue(
      due.map((r) => r.id),
      this.clock.now(),
    );
    return { refreshed: due.map((r) => r.name) };
  }
}

function header(h: Headers, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function parse(body: Buffer | undefined): Record<string, unknown> {
  if (!body || body.length === 0) throw new InvalidInputError('webhook body is empty: send the JSON payload');
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new InvalidInputError(
      'webhook body is not valid JSON (configure the webhook with content type application/json)',
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InvalidInputError('webhook body must be a JSON object');
  return value as Record<string, unknown>;
}
