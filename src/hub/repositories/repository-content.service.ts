import { Inject, Injectable, Logger } from '@nestjs/common';
import { type Actor } from '../../domain/audit-chain.js';
import { InvalidInputError, NotFoundError } from '../../domain/errors.js';
import { manifestProblems } from '../../domain/manifest-validation.js';
import { type FileChange, type Revision, type VcsRegistry } from '../../vcs/index.js';
import { AuditService } from '../audit/audit.service.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { VCS } from '../vcs/vcs.module.js';
import {
  type CommitPageDto,
  type CommitResultDto,
  type RevisionRefDto,
  type TreeDto,
} from './repository-content.dto.js';
import { RepositoryPollerService } from './repository-poller.service.js';
import { RepositoryService } from './repository.service.js';

/** Reads a repository's content and versions resources through it, as the API caller. */
@Injectable()
export class RepositoryContentService {
  private readonly log = new Logger('repository-content');

  constructor(
    @Inject(RepositoryService) private readonly repositories: RepositoryService,
    @Inject(VCS) private readonly vcs: VcsRegistry,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(RepositoryPollerService) private readonly poller: RepositoryPollerService,
  ) {}

  async revisions(
    key: string,
    q: { path?: string; limit?: number; cursor?: string },
  ): Promise<CommitPageDto> {
    const { repo, backend } = await this.open(key);
    const page = await backend.history(repo, { path: q.path, limit: q.limit ?? 50, cursor: q.cursor });
    return {
      items: page.items.map((c) => ({
        revision: ref(c.revision),
        author: c.author.name,
        email: c.author.email,
        message: c.message,
        time: c.time.toISOString(),
        changedPaths: c.changedPaths,
      })),
      nextCursor: page.nextCursor,
    };
  }

  async tree(key: string, q: { path?: string; revision?: string }): Promise<TreeDto> {
    const { repo, backend } = await this.open(key);
    const revision = q.revision ?? (await backend.resolve(repo)).id;
    const entries = await backend.tree(repo, revision, q.path ?? '');
    return {
      revision,
      path: q.path ?? '',
      entries: entries.map((e) => ({ name: e.name, path: e.path, type: e.type, size: e.size })),
    };
  }

  async read(key: string, path: string, revision?: string): Promise<{ content: Buffer; revision: string }> {
    const { repo, backend } = await this.open(key);
    const rev = revision ?? (await backend.resolve(repo)).id;
    return { content: await backend.read(repo, rev, path), revision: rev };
  }

  /** Writes one file as a commit by the caller; YAML and JSON must be Kubernetes objects. */
  async put(
    key: string,
    path: string,
    input: { content: string; message: string; baseRevision?: string },
    actor: Actor,
  ): Promise<CommitResultDto> {
    const content = Buffer.from(input.content, 'utf8');
    const problems = manifestProblems(path, content);
    if (problems.length) throw new InvalidInputError(problems.join('; '), { field: 'content' });
    return this.commit(key, path, { path, content }, input, actor, 'write');
  }

  async remove(
    key: string,
    path: string,
    input: { message: string; baseRevision?: string },
    actor: Actor,
  ): Promise<CommitResultDto> {
    return this.commit(key, path, { path, delete: true }, input, actor, 'delete');
  }

  private async commit(
    key: string,
    path: string,
    change: FileChange,
    input: { message: string; baseRevision?: string },
    actor: Actor,
    operation: 'write' | 'delete',
  ): Promise<CommitResultDto> {
    const { row, repo, backend } = await this.open(key);
    // A revision id of the other VCS's form (a commit id for SVN, a number for Git) is a
    // revision this repository never had: 404, as for any unknown revision.
    const base = input.baseRevision;
    const revisionForm = { git: /^[0-9a-f]{40}$/, svn: /^[0-9]{1,10}$/, helm: /^[0-9a-f]{64}$/ }[repo.type];
    if (base !== undefined && !revisionForm.test(base))
      throw new NotFoundError(`revision of ${repo.type} repository '${row.name}'`, base);
    const revision = await backend.commit(repo, [change], {
      message: input.message,
      author: { name: actor.name },
      baseRevision: input.baseRevision,
    });
    await this.uow.run((tx) =>
      this.audit.record(tx, {
        actor,
        action: 'resource.committed',
        repositoryId: row.id,
        revision: revision.id,
        details: {
          repository: row.name,
          display: revision.display,
          paths: [path],
          operation,
          message: input.message,
          baseRevision: input.baseRevision ?? null,
        },
      }),
    );
    // Detected now rather than at the next poll, through the poller itself: same lease (no
    // second detection by a replica's tick), same `revision.detected`, same event → deploy.
    // The commit stands whatever happens here; a failure leaves it to the next poll.
    await this.poller
      .refreshNow(row.id)
      .catch((e: Error) =>
        this.log.warn(`repository ${row.name}: detecting commit ${revision.id} failed: ${e.message}`),
      );
    return { revision: ref(revision), path };
  }

  private async open(key: string) {
    const row = await this.repositories.require(key);
    const repo = this.repositories.toVcs(row);
    return { row, repo, backend: this.vcs.for(repo) };
  }
}

function ref(r: Revision): RevisionRefDto {
  return { id: r.id, display: r.display };
}
