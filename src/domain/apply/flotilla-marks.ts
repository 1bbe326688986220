/**
 * The label and annotations Flotilla reads and writes on cluster objects. Ownership is
 * written twice: the label makes the objects of an application selectable (informers, prune
 * listings), the annotation names the application for humans reading `kubectl describe`.
 * Neither carries a revision or a timestamp, so re-applying an unchanged bundle changes nothing.
 */
import { InvalidInputError } from '../errors.js';
import type { LiveObject } from '../health/health.types.js';
import { labelValueProblem } from '../kubernetes-names.js';

/** Annotation keys users put in their manifests (and the owner mark the agent adds). */
export const FLOTILLA_ANNOTATIONS = {
  /** Integer wave; lower waves are applied (and become healthy) first. */
  syncWave: 'flotilla.io/sync-wave',
  /** `disabled` keeps the object in the cluster when it leaves the bundle. */
  prune: 'flotilla.io/prune',
  /** `enabled` lets the agent delete and recreate the object on immutable-field errors. */
  force: 'flotilla.io/force',
  /** `PreSync`, `PostSync` or `SyncFail`: the object is a hook run at that phase, not applied with the rest. */
  hook: 'flotilla.io/hook',
  /** `BeforeHookCreation` (default) and/or `HookSucceeded`, comma-separated: when a hook object is deleted. */
  hookDeletePolicy: 'flotilla.io/hook-delete-policy',
  /** Seconds the object (or hook) may take to become Current before the sync fails; overrides the agent's default. */
  healthTimeout: 'flotilla.io/health-timeout',
  /** `<application name>/<application id>`, written by the agent. */
  owner: 'flotilla.io/owned-by',
} as const;

/** Label keys the agent writes. */
export const FLOTILLA_LABELS = {
  /** The owning application's id; what prune and the drift watch select on. */
  application: 'flotilla.io/application',
} as const;

function annotation(obj: LiveObject, key: string): string | undefined {
  const value = obj.metadata.annotations?.[key];
  return typeof value === 'string' ? value.trim().toLowerCase() : undefined;
}

/**
 * True when the object must survive leaving the bundle. `false` is accepted next to
 * `disabled` because a mistaken spelling should err on the side of not deleting.
 */
export function isPruneDisabled(obj: LiveObject): boolean {
  const value = annotation(obj, FLOTILLA_ANNOTATIONS.prune);
  return value === 'disabled' || value === 'false';
}

/**
 * True when the object asks to be recreated on immutable-field errors. Only the exact
 * `enabled` counts: recreating deletes data-bearing objects, so any doubt means no.
 */
export function isForceEnabled(obj: LiveObject): boolean {
  return annotation(obj, FLOTILLA_ANNOTATIONS.force) === 'enabled';
}

/**
 * The id of the application that owns the object, or null. The label is authoritative; the
 * annotation (`name/id`) stands in when a tool stripped labels. When both are present and
 * disagree the object is treated as owned by nobody, so prune never deletes on a guess.
 */
export function ownedBy(obj: LiveObject): string | null {
  const label = obj.metadata.labels?.[FLOTILLA_LABELS.application];
  const mark = obj.metadata.annotations?.[FLOTILLA_ANNOTATIONS.owner];
  const fromLabel = typeof label === 'string' && label !== '' ? label : null;
  const fromAnnotation =
    typeof mark === 'string' && mark.includes('/') ? mark.slice(mark.lastIndexOf('/') + 1) : null;
  if (fromLabel && fromAnnotation && fromLabel !== fromAnnotation) return null;
  return fromLabel ?? (fromAnnotation || null);
}

/**
 * A copy of the object marked as owned by the application. Only `metadata`, its labels and
 * annotations are copied; everything else is shared with the input, which is never mutated.
 * @throws InvalidInputError when the id cannot be a label value (the hub's ids always can).
 */
export function withOwnership<T extends LiveObject>(
  obj: T,
  applicationId: string,
  applicationName: string,
): T {
  const problem = labelValueProblem(FLOTILLA_LABELS.application, applicationId);
  if (problem || applicationId === '')
    throw new InvalidInputError(`application id: ${problem ?? 'must not be empty'}`);
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      labels: { ...obj.metadata.labels, [FLOTILLA_LABELS.application]: applicationId },
      annotations: {
        ...obj.metadata.annotations,
        [FLOTILLA_ANNOTATIONS.owner]: `${applicationName}/${applicationId}`,
      },
    },
  };
}
