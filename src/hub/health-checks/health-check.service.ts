import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '../../domain/audit-chain.js';
import {
  compileHealthChecks,
  describeProblem,
  duplicateKinds,
  HEALTH_CHECK_LIMITS,
  kindKey,
  mergeHealthChecks,
  ruleFields,
  validateHealthCheck,
  type HealthCheckProblem,
  type HealthCheckRule,
} from '../../domain/health/custom-health.js';
import { assessHealth } from '../../domain/health/health.js';
import type { LiveObject } from '../../domain/health/health.types.js';
import { vmDeadline } from '../../domain/health/vm-deadline.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../domain/errors.js';
import { HEALTH_CHECKS_CHANGED } from '../../domain/wake-up.js';
import { JobNotifier } from '../dispatch/job-notifier.repository.js';
import { AuditService } from '../audit/audit.service.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { SECRETS, type Secrets } from '../platform/secrets.js';
import type { HealthCheckEntity } from './health-check.entity.js';
import type { HealthCheckDto, HealthCheckListDto, HealthVerdictDto } from './health-check.dto.js';
import { HealthCheckRepository } from './health-check.repository.js';

/** Largest object `evaluate` judges (as JSON): a Kubernetes object is at most about 1.5 MiB in etcd. */
const MAX_OBJECT_BYTES = 256 * 1024;

/**
 * Refuses a rule list with a 400 naming each problem and its position (fields prefixed with
 * `listField[i].` for an application's list: every problem message starts with its field); the
 * problems go in the error body too, for the dashboard to point at.
 */
export function assertValidHealthChecks(
  rules: readonly HealthCheckRule[],
  listField?: string,
): HealthCheckRule[] {
  const problems: { field: string; message: string; position?: HealthCheckProblem['position'] }[] = [];
  rules.forEach((rule, i) => {
    const prefix = listField ? `${listField}[${i}].` : '';
    for (const p of validateHealthCheck(rule))
      problems.push({ ...p, field: `${prefix}${p.field}`, message: `${prefix}${p.message}` });
  });
  const twice = duplicateKinds(rules);
  if (listField && twice.length)
    problems.push({
      field: listField,
      message: `${listField} has more than one rule for ${twice.join(', ')}`,
    });
  if (problems.length === 0) return rules.map(ruleFields);
  throw new InvalidInputError(problems.map((p) => describeProblem(p as HealthCheckProblem)).join('; '), {
    field: listField ?? problems[0].field,
    problems,
  });
}

function dto(row: HealthCheckEntity): HealthCheckDto {
  return {
    id: row.id,
    group: row.group,
    kind: row.kind,
    current: row.current,
    inProgress: row.inProgress,
    failed: row.failed,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const rowRule = (row: HealthCheckEntity): HealthCheckRule =>
  ruleFields({ ...row, inProgress: row.inProgress ?? undefined, failed: row.failed ?? undefined });

/**
 * The hub's custom health checks (admins change them; everyone reads them), trying a rule on an
 * object, and the rules a leased job carries.
 */
@Injectable()
export class HealthCheckService {
  constructor(
    @Inject(HealthCheckRepository) private readonly checks: HealthCheckRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SECRETS) private readonly secrets: Secrets,
    @Inject(JobNotifier) private readonly notifier: JobNotifier,
  ) {
    notifier.onWake((wake) => {
      if (!wake || wake.kind === 'health-checks') this.hubCache = null;
    });
  }

  private hubCache: HealthCheckRule[] | null = null;

  async list(): Promise<HealthCheckListDto> {
    return { items: (await this.checks.list()).map(dto) };
  }

  async create(input: HealthCheckRule, actor: Actor): Promise<HealthCheckDto> {
    const [rule] = assertValidHealthChecks([input]);
    const row = await this.uow.run(async (tx) => {
      if (await this.checks.findByKind(rule.group, rule.kind, tx))
        throw new ConflictError(
          `a health check for ${kindKey(rule.group, rule.kind)} exists; change that one`,
        );
      // Jobs carry the hub's rules merged with an application's (each at most this many), and
      // agents refuse a job carrying more than both lists can hold.
      if ((await this.checks.countForInsert(tx)) >= HEALTH_CHECK_LIMITS.rules)
        throw new ConflictError(
          `the hub has ${HEALTH_CHECK_LIMITS.rules} health checks, the most it may hold: change or delete one`,
        );
      const saved = await this.checks.insert(tx, {
        id: this.secrets.uuid(),
        ...rule,
        inProgress: rule.inProgress ?? null,
        failed: rule.failed ?? null,
      });
      await this.audit.record(tx, { actor, action: 'health-check.created', details: { ...rule } });
      await this.notifier.healthChecksChanged(tx);
      return saved;
    });
    return dto(row);
  }

  async replace(id: string, input: HealthCheckRule, actor: Actor): Promise<HealthCheckDto> {
    const [rule] = assertValidHealthChecks([input]);
    const row = await this.uow.run(async (tx) => {
      const row = await this.checks.findById(id, tx);
      if (!row) throw new NotFoundError('health check', id);
      const other = await this.checks.findByKind(rule.group, rule.kind, tx);
      if (other && other.id !== row.id)
        throw new ConflictError(
          `a health check for ${kindKey(rule.group, rule.kind)} exists; change that one`,
        );
      const before = rowRule(row);
      Object.assign(row, rule, { inProgress: rule.inProgress ?? null, failed: rule.failed ?? null });
      const saved = await this.checks.save(tx, row);
      await this.audit.record(tx, {
        actor,
        action: 'health-check.updated',
        details: { group: rule.group, kind: rule.kind, before, after: rule },
      });
      await this.notifier.healthChecksChanged(tx);
      return saved;
    });
    return dto(row);
  }

  async delete(id: string, actor: Actor): Promise<void> {
    await this.uow.run(async (tx) => {
      const row = await this.checks.findById(id, tx);
      if (!row) throw new NotFoundError('health check', id);
      await this.checks.delete(tx, id);
      await this.audit.record(tx, { actor, action: 'health-check.deleted', details: { ...rowRule(row) } });
      await this.notifier.healthChecksChanged(tx);
    });
  }

  /** What an agent would say of `object` with `rule` (or its built-in rules, for another kind). */
  evaluate(input: HealthCheckRule, object: Record<string, unknown>): HealthVerdictDto {
    const [rule] = assertValidHealthChecks([input]);
    if (Buffer.byteLength(JSON.stringify(object)) > MAX_OBJECT_BYTES)
      throw new InvalidInputError(`object is larger than ${MAX_OBJECT_BYTES / 1024} KiB`, {
        field: 'object',
      });
    const live = asLiveObject(object);
    const compiled = compileHealthChecks([[rule]], vmDeadline);
    if (!compiled.ok) throw new InvalidInputError('rule: cannot be compiled', { field: 'rule' });
    const verdict = assessHealth(live, compiled.value);
    return { ...verdict, matched: compiled.value.ruleFor(live) !== undefined };
  }

  /**
   * The rules each application's jobs carry, from its own rules as the lease read them: the
   * hub's merged in (read here at most once per change of them, see {@link hubRules}).
   */
  async merged(
    ownRules: Iterable<readonly [string, readonly HealthCheckRule[]]>,
  ): Promise<Map<string, HealthCheckRule[]>> {
    const hub = await this.hubRules();
    const out = new Map<string, HealthCheckRule[]>();
    for (const [id, own] of ownRules) {
      const merged = mergeHealthChecks(hub, [...own]);
      if (merged.length) out.set(id, merged);
    }
    return out;
  }

  /**
   * The hub's rules, remembered by this replica until a change of them on any replica (the
   * `health-checks` wake-up) or a lost LISTEN connection: a lease carries the rules as stored.
   * A read overlapping a wake-up is used but not kept.
   */
  private async hubRules(): Promise<HealthCheckRule[]> {
    if (this.hubCache) return this.hubCache;
    const mark = this.notifier.mark();
    const rules = (await this.checks.list()).map(rowRule);
    if (this.notifier.quietSince(mark, HEALTH_CHECKS_CHANGED)) this.hubCache = rules;
    return rules;
  }
}

/** The object's shape every health rule relies on, or a 400 naming what is missing. */
function asLiveObject(o: Record<string, unknown>): LiveObject {
  const metadata = o.metadata as Record<string, unknown> | undefined;
  if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string')
    throw new InvalidInputError('object needs apiVersion and kind', { field: 'object' });
  if (
    !metadata ||
    typeof metadata !== 'object' ||
    Array.isArray(metadata) ||
    typeof metadata.name !== 'string'
  )
    throw new InvalidInputError('object needs metadata.name', { field: 'object' });
  // As the schema says of every name and key the API takes (nothing here is stored, but a NUL
  // in a name is refused the same everywhere).
  const names = [o.apiVersion, o.kind, metadata.name, ...Object.keys(o), ...Object.keys(metadata)];
  if (names.some((n) => n.includes('\u0000')))
    throw new InvalidInputError('object: a name or key holds a NUL character (\\u0000)', { field: 'object' });
  return o as LiveObject;
}
