import { parseAllDocuments } from 'yaml';
import { UsageError } from '../errors.js';
import { type RolloutStrategy } from './app-rollout-view.js';
import { type Application, type ApplicationSpec } from './app-types.js';

const FIELDS = new Set([
  'name',
  'repositoryId',
  'path',
  'revision',
  'source',
  'targets',
  'syncPolicy',
  'ignoreDifferences',
  'rollout',
  'dependsOn',
  'healthChecks',
]);

/**
 * Reads application specs from YAML (one per document; JSON is YAML too). Only the fields of
 * `POST /api/v1/applications` are allowed, so a typo is caught here rather than ignored.
 */
export function parseSpecs(text: string, source: string): ApplicationSpec[] {
  const specs: ApplicationSpec[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new UsageError(`${source}: ${doc.errors[0].message.split('\n')[0]}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value))
      throw new UsageError(`${source}: each document must be a mapping with the fields of an application`);
    const unknown = Object.keys(value).filter((k) => !FIELDS.has(k));
    if (unknown.length) throw new UsageError(`${source}: unknown field(s) ${unknown.join(', ')}`);
    const spec = value as ApplicationSpec;
    for (const f of ['name', 'repositoryId', 'path'] as const)
      if (typeof spec[f] !== 'string' || !spec[f]) throw new UsageError(`${source}: ${f} is required`);
    specs.push(spec);
  }
  if (!specs.length) throw new UsageError(`${source}: no application in it`);
  return specs;
}

/** The fields `PATCH /api/v1/applications/:id` may change, from a spec. */
export function patchOf(spec: ApplicationSpec): Partial<ApplicationSpec> {
  return {
    path: spec.path,
    // A spec is the whole application: no source in it means detect from the files again.
    source: spec.source ?? null,
    targets: spec.targets,
    syncPolicy: spec.syncPolicy,
    ignoreDifferences: spec.ignoreDifferences ?? [],
    // no strategy in the spec means none: changes reach every cluster at once
    rollout: spec.rollout ?? null,
    // no dependsOn in the spec means none
    dependsOn: spec.dependsOn ?? [],
    // no healthChecks in the spec means none
    healthChecks: spec.healthChecks ?? [],
  };
}

/** True when applying `patch` to `current` would change nothing (empty values count as absent). */
export function unchanged(current: Application, patch: Partial<ApplicationSpec>): boolean {
  const now: Partial<ApplicationSpec> = {
    path: current.path,
    source: current.source,
    targets: current.targets,
    syncPolicy: current.syncPolicy,
    ignoreDifferences: current.ignoreDifferences,
    rollout: withDefaults(current.rollout),
    dependsOn: current.dependsOn,
    healthChecks: current.healthChecks,
  };
  const wanted = { ...patch, rollout: withDefaults(patch.rollout) };
  return JSON.stringify(normalize(now)) === JSON.stringify(normalize(wanted));
}

/** A strategy with the hub's defaults filled in, so a spec that leaves them out compares equal. */
function withDefaults(s: RolloutStrategy | null | undefined): RolloutStrategy | null {
  if (!s) return null;
  return {
    onFailure: s.onFailure ?? 'pause',
    stages: s.stages.map((x) => ({
      name: x.name,
      clusterSelector: x.clusterSelector,
      batchSize: x.batchSize ?? '100%',
      minHealthySeconds: x.minHealthySeconds ?? 0,
      maxFailures: x.maxFailures ?? 0,
      ...(x.requireApproval ? { requireApproval: true } : {}),
    })),
  };
}

/** Sorted keys, no null/undefined, no empty arrays or objects: the hub's defaults compare equal. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const n = normalize((v as Record<string, unknown>)[k]);
      if (n === null || n === undefined) continue;
      if (Array.isArray(n) && n.length === 0) continue;
      if (typeof n === 'object' && !Array.isArray(n) && Object.keys(n).length === 0) continue;
      out[k] = n;
    }
    return out;
  }
  return v;
}
