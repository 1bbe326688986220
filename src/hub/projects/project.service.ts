import { Inject, Injectable } from '@nestjs/common';
import { type Actor } from '../../domain/audit-chain.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import { DEFAULT_PROJECT_ID, DEFAULT_PROJECT_NAME } from '../../domain/project.js';
import { validateProjectRules } from '../../domain/project-rules.js';
import { isUuid } from '../../domain/ids.js';
import { AuditService } from '../audit/audit.service.js';
import { type Principal } from '../auth/principal.js';
import { type Tx } from '../database/data-source.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { SECRETS, type Secrets } from '../platform/secrets.js';
import { type CreateProjectDto, type ProjectDto, type UpdateProjectDto } from './project.dto.js';
import { type ProjectEntity } from './project.entity.js';
import { ProjectRepository } from './project.repository.js';

/** Projects: their rules, who may see them, and the audit of every change. */
@Injectable()
export class ProjectService {
  constructor(
    @Inject(ProjectRepository) private readonly projects: ProjectRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SECRETS) private readonly secrets: Secrets,
  ) {}

  /** The projects the caller may see: every one with a global role, else those it has a role in. */
  async list(principal: Principal): Promise<ProjectDto[]> {
    const rows =
      principal.role !== null
        ? await this.projects.list()
        : await this.projects.findByNames(Object.keys(principal.projects));
    const counts = await this.projects.applicationCounts();
    return rows.map((p) => toDto(p, counts));
  }

  /** One project; a project the caller may not see is not found, so its name tells nothing. */
  async get(key: string, principal: Principal): Promise<ProjectDto> {
    const row = await this.require(key);
    if (principal.role === null && !(row.name in principal.projects)) throw new NotFoundError('project', key);
    return toDto(row, await this.projects.applicationCounts());
  }

  async create(input: CreateProjectDto, actor: Actor): Promise<ProjectDto> {
    validateProjectRules(input);
    const row = await this.uow.run(async (tx) => {
      if (await this.projects.findByName(input.name, tx))
        throw new ConflictError(`a project named '${input.name}' already exists`);
      const saved = await this.projects.insert(tx, {
        id: this.secrets.uuid(),
        name: input.name,
        description: input.description ?? '',
        sources: input.sources.map(plainSource),
        clusterSelector: input.clusterSelector.trim(),
        objects: plainObjects(input.objects),
        plainSecrets: input.plainSecrets ?? 'warn',
      });
      await this.audit.record(tx, {
        actor,
        action: 'project.created',
        projectId: saved.id,
        details: describeProject(saved),
      });
      return saved;
    });
    return toDto(row, new Map());
  }

  /**
   * Changes a project's rules. Applications already in it keep running: the hub deploys them only
   * to clusters the new selector still selects, and a change of one of them must then fit.
   */
  async update(key: string, input: UpdateProjectDto, actor: Actor): Promise<ProjectDto> {
    validateProjectRules(input);
    const row = await this.uow.run(async (tx) => {
      const p = await this.require(key, tx);
      const before = describeProject(p);
      if (input.description !== undefined) p.description = input.description;
      if (input.sources !== undefined) p.sources = input.sources.map(plainSource);
      if (input.clusterSelector !== undefined) p.clusterSelector = input.clusterSelector.trim();
      if (input.objects !== undefined) p.objects = plainObjects(input.objects);
      if (input.plainSecrets !== undefined) p.plainSecrets = input.plainSecrets;
      const saved = await this.projects.save(tx, p);
      await this.audit.record(tx, {
        actor,
        action: 'project.updated',
        projectId: saved.id,
        details: { before, after: describeProject(saved) },
      });
      return saved;
    });
    return toDto(row, await this.projects.applicationCounts());
  }

  /** Deletes an empty project; `default` stays, and a project with applications is a 409. */
  async delete(key: string, actor: Actor): Promise<void> {
    await this.uow.run(async (tx) => {
      const p = await this.require(key, tx);
      if (p.id === DEFAULT_PROJECT_ID)
        throw new ConflictError(`the '${DEFAULT_PROJECT_NAME}' project cannot be deleted`);
      await this.projects.lock(tx, p.id);
      const n = (await this.projects.applicationCounts(tx)).get(p.id) ?? 0;
      if (n > 0)
        throw new ConflictError(
          `project '${p.name}' still has ${n} application${n === 1 ? '' : 's'}: delete them or move them to another project first`,
        );
      await this.projects.delete(tx, p.id);
      // A project made later under the same name must not inherit these grants.
      const tokens = await this.projects.revokeTokenRoles(tx, p.name);
      await this.audit.record(tx, {
        actor,
        action: 'project.deleted',
        projectId: p.id,
        details: { ...describeProject(p), tokenRolesRevoked: tokens },
      });
    });
  }

  /** The project with this id or name, or a 404. */
  async require(key: string, tx?: Tx): Promise<ProjectEntity> {
    const row = isUuid(key) ? await this.projects.findById(key, tx) : await this.projects.findByName(key, tx);
    if (!row) throw new NotFoundError('project', key);
    return row;
  }

  /** The names of projects by id, for views of rows that hold a project id. */
  async namesById(): Promise<Map<string, string>> {
    return new Map((await this.projects.list()).map((p) => [p.id, p.name]));
  }
}

/** Only the known fields: what class-transformer built may carry class instances. */
function plainSource(s: { repository: string; path?: string }): { repository: string; path?: string } {
  const path = s.path?.trim().replace(/^\/+|\/+$/g, '');
  return path ? { repository: s.repository, path } : { repository: s.repository };
}

function plainObjects(o: CreateProjectDto['objects']): ProjectEntity['objects'] {
  return {
    namespaces: [...o.namespaces],
    allowedKinds: o.allowedKinds.map((k) => ({ group: k.group, kind: k.kind })),
    deniedKinds: o.deniedKinds.map((k) => ({ group: k.group, kind: k.kind })),
    allowSecrets: o.allowSecrets,
  };
}

function describeProject(p: ProjectEntity): Record<string, unknown> {
  return {
    projectId: p.id,
    name: p.name,
    sources: p.sources,
    clusterSelector: p.clusterSelector,
    objects: p.objects,
    plainSecrets: p.plainSecrets,
  };
}

function toDto(p: ProjectEntity, counts: Map<string, number>): ProjectDto {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    sources: p.sources,
    clusterSelector: p.clusterSelector,
    objects: p.objects,
    plainSecrets: p.plainSecrets,
    applications: counts.get(p.id) ?? 0,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}
