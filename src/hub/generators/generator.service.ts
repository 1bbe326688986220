import { assertValidHealthChecks } from '../health-checks/health-check.service.js';
import { Inject, Injectable } from '@nestjs/common';
import { type Actor } from '../../domain/audit-chain.js';
import { parseDirectoryGlob } from '../../domain/application-generator.js';
import { authorize, projectsAllowing, roleAllows, type Role } from '../../domain/authorization.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../domain/errors.js';
import { parseLabelSelector } from '../../domain/label-selector.js';
import { DEFAULT_PROJECT_NAME } from '../../domain/project.js';
import { assertValidSource, storedSource } from '../applications/application-source.js';
import { applicationDto } from '../applications/application-view.js';
import { AuditService } from '../audit/audit.service.js';
import { assertAllowed, type Principal } from '../auth/principal.js';
import { type Page } from '../common/list-query.dto.js';
import { afterName, namePage } from '../common/name-page.js';
import { type Tx } from '../database/data-source.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { SECRETS, type Secrets } from '../platform/secrets.js';
import { ProjectService } from '../projects/project.service.js';
import { RepositoryService } from '../repositories/repository.service.js';
import {
  type CreateGeneratorDto,
  type GeneratorDetailDto,
  type GeneratorDto,
  type GeneratorTemplateDto,
  type UpdateGeneratorDto,
} from './generator.dto.js';
import { type GeneratorEntity, type GeneratorTemplate } from './generator.entity.js';
import { GeneratorRepository } from './generator.repository.js';
import { GeneratorSyncService } from './generator-sync.service.js';

/** Generators of applications (issue 20): CRUD, project-scoped like applications. */
@Injectable()
export class GeneratorService {
  constructor(
    @Inject(GeneratorRepository) private readonly generators: GeneratorRepository,
    @Inject(GeneratorSyncService) private readonly sync: GeneratorSyncService,
    @Inject(RepositoryService) private readonly repositories: RepositoryService,
    @Inject(ProjectService) private readonly projects: ProjectService,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SECRETS) private readonly secrets: Secrets,
  ) {}

  async create(input: CreateGeneratorDto, actor: Actor, principal: Principal): Promise<GeneratorDetailDto> {
    const template = checkedTemplate(input.template);
    const directoriesGlob = checkedGlob(input.directories?.glob ?? null);
    const clustersSelector = checkedSelector(input.clusters?.selector ?? null);
    if (directoriesGlob === null && clustersSelector === null)
      throw new InvalidInputError('a generator needs directories, clusters, or both', {
        field: 'directories',
      });
    const repo = await this.repositories.require(input.repositoryId);
    const project = await this.projects.require(input.project ?? DEFAULT_PROJECT_NAME);
    assertAllowed(principal, 'operator', project.name);
    const row = await this.uow.run(async (tx) => {
      if (await this.generators.findByIdOrName(input.name, tx))
        throw new ConflictError(`a generator named '${input.name}' already exists`);
      const saved = await this.generators.insert(tx, {
        id: this.secrets.uuid(),
        name: input.name,
        projectId: project.id,
        repositoryId: repo.id,
        template,
        directoriesGlob,
        clustersSelector,
        preserveOnDelete: input.preserveOnDelete ?? false,
        status: { revision: null, applications: [], errors: [], recomputedAt: null },
      });
      await this.audit.record(tx, {
        actor,
        action: 'generator.created',
        repositoryId: repo.id,
        details: { ...describe(saved), project: project.name },
      });
      return saved;
    });
    await this.sync.recompute(row.id, actor);
    return this.get(row.id, principal);
  }

  async list(
    q: { limit?: number; cursor?: string; project?: string },
    principal: Principal,
  ): Promise<Page<GeneratorDto>> {
    const limit = q.limit ?? 50;
    const names = await this.projects.namesById();
    const visible = projectsAllowing(principal, 'viewer');
    const only =
      q.project === undefined && visible === 'all'
        ? null
        : [...names]
            .filter(
              ([, n]) =>
                (q.project === undefined || n === q.project) && (visible === 'all' || visible.includes(n)),
            )
            .map(([id]) => id);
    return namePage(await this.generators.list(afterName(q.cursor), limit + 1, only), limit, (g) =>
      toDto(g, names.get(g.projectId) ?? ''),
    );
  }

  /** The generator with the applications it made. */
  async get(key: string, principal: Principal): Promise<GeneratorDetailDto> {
    const g = await this.requireAs(key, principal, 'viewer');
    const project = await this.projects.require(g.projectId);
    const apps = await this.generators.generatedApps(g.id);
    return { ...toDto(g, project.name), applications: apps.map((a) => applicationDto(a, project.name)) };
  }

  async update(
    key: string,
    input: UpdateGeneratorDto,
    actor: Actor,
    principal: Principal,
  ): Promise<GeneratorDetailDto> {
    const template = input.template === undefined ? undefined : checkedTemplate(input.template);
    const glob = input.directories === undefined ? undefined : checkedGlob(input.directories?.glob ?? null);
    const selector =
      input.clusters === undefined ? undefined : checkedSelector(input.clusters?.selector ?? null);
    const id = await this.uow.run(async (tx) => {
      const row = await this.requireAs(key, principal, 'operator', tx);
      const before = describe(row);
      if (template !== undefined) row.template = template;
      if (glob !== undefined) row.directoriesGlob = glob;
      if (selector !== undefined) row.clustersSelector = selector;
      if (input.preserveOnDelete !== undefined) row.preserveOnDelete = input.preserveOnDelete;
      // Depends on what the generator has: a conflict with its state, not a malformed request.
      if (row.directoriesGlob === null && row.clustersSelector === null)
        throw new ConflictError(
          'a generator needs directories, clusters, or both: this would remove the last',
        );
      const saved = await this.generators.save(tx, row);
      await this.audit.record(tx, {
        actor,
        action: 'generator.updated',
        repositoryId: row.repositoryId,
        details: { before, after: describe(saved) },
      });
      return saved.id;
    });
    await this.sync.recompute(id, actor);
    return this.get(id, principal);
  }

  /** Deletes a generator and (respecting its preserveOnDelete) every application it made. */
  async delete(key: string, actor: Actor, principal: Principal): Promise<void> {
    const row = await this.requireAs(key, principal, 'operator');
    await this.sync.removeAll(row, actor);
    await this.uow.run(async (tx) => {
      await this.generators.delete(tx, row.id);
      await this.audit.record(tx, {
        actor,
        action: 'generator.deleted',
        repositoryId: row.repositoryId,
        details: describe(row),
      });
    });
  }

  /** Recomputes the generator's applications now (as a new revision would). */
  async refresh(key: string, actor: Actor, principal: Principal): Promise<GeneratorDetailDto> {
    const row = await this.requireAs(key, principal, 'operator');
    await this.sync.recompute(row.id, actor);
    return this.get(row.id, principal);
  }

  /** The generator, if the caller may see it (404 otherwise) and holds `need` in its project (403). */
  private async requireAs(key: string, principal: Principal, need: Role, tx?: Tx): Promise<GeneratorEntity> {
    const row = await this.generators.findByIdOrName(key, tx, tx !== undefined);
    if (!row) throw new NotFoundError('generator', key);
    if (principal.role !== null && roleAllows(principal.role, need)) return row;
    const project = (await this.projects.require(row.projectId, tx)).name;
    if (!authorize(principal, 'viewer', project)) throw new NotFoundError('generator', key);
    assertAllowed(principal, need, project);
    return row;
  }
}

function checkedTemplate(t: GeneratorTemplateDto): GeneratorTemplate {
  t.targets.forEach((x, i) =>
    parseLabelSelector(x.clusterSelector, `template.targets[${i}].clusterSelector`),
  );
  const source = storedSource(t.source);
  assertValidSource(source, []); // template targets carry no Helm options
  return {
    name: t.name,
    path: t.path,
    source,
    targets: t.targets.map((x) => ({
      clusterSelector: x.clusterSelector,
      ...(x.namespace !== undefined ? { namespace: x.namespace } : {}),
      ...(x.values !== undefined ? { values: x.values } : {}),
    })),
    syncPolicy: {
      automated: t.syncPolicy.automated,
      prune: t.syncPolicy.prune,
      selfHeal: t.syncPolicy.selfHeal,
    },
    ignoreDifferences: t.ignoreDifferences ?? [],
    healthChecks: assertValidHealthChecks(t.healthChecks ?? [], 'template.healthChecks'),
  };
}

function checkedGlob(glob: string | null): string | null {
  return glob === null ? null : parseDirectoryGlob(glob).join('/');
}

function checkedSelector(selector: string | null): string | null {
  if (selector !== null) parseLabelSelector(selector, 'clusters.selector');
  return selector;
}

/** What the audit trail records of a generator (its template holds no secrets). */
function describe(g: GeneratorEntity): Record<string, unknown> {
  return {
    name: g.name,
    repositoryId: g.repositoryId,
    directories: g.directoriesGlob,
    clusters: g.clustersSelector,
    preserveOnDelete: g.preserveOnDelete,
    template: { name: g.template.name, path: g.template.path, syncPolicy: g.template.syncPolicy },
  };
}

function toDto(g: GeneratorEntity, project: string): GeneratorDto {
  return {
    id: g.id,
    name: g.name,
    project,
    repositoryId: g.repositoryId,
    template: g.template,
    directories: g.directoriesGlob === null ? null : { glob: g.directoriesGlob },
    clusters: g.clustersSelector === null ? null : { selector: g.clustersSelector },
    preserveOnDelete: g.preserveOnDelete,
    status: g.status,
    createdAt: g.createdAt.toISOString(),
    updatedAt: g.updatedAt.toISOString(),
  };
}
