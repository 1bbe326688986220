/**
 * Types of the applier: what a reconcile is asked to do and what it reports back, in the
 * protocol's vocabulary so the agent can forward results unchanged.
 */
import type { CustomHealth } from '../../domain/health/custom-health.js';
import type { LiveObject } from '../../domain/health/health.types.js';
import type { ObjectPolicy } from '../../domain/object-policy.js';
import type { HookResultV1, ResourceResultV1 } from '../../protocol/v1/agent-protocol.js';
import type { SopsDecryptor } from '../secrets/sops.js';

/** One reconcile: a sync of a bundle, or the removal of an application. */
export interface ReconcileRequest {
  applicationId: string;
  applicationName: string;
  kind: 'sync' | 'remove';
  /** Delete objects of the previous inventory missing from the bundle (everything, for remove). */
  prune: boolean;
  /** Recreate any object whose immutable fields changed (else only those annotated force). */
  force: boolean;
  /** Loads the canonical bundle bytes; not called for removals. */
  fetchBundle: () => Promise<Buffer>;
  /** The job's object rules (its project's), checked on top of the agent's guardrail. */
  policy?: ObjectPolicy;
  /**
   * Turns sealed secrets into Secrets (after the policy check, before the dry-run); absent: the
   * bundle is applied as it is.
   */
  unseal?: (
    objects: LiveObject[],
  ) => Promise<{ objects: LiveObject[]; failures: { id: string; message: string }[] }>;
  /** The job's custom health checks: objects of their kinds are judged by them. */
  health?: CustomHealth;
}

/** An object of the bundle as applied: what we asked for and what the server holds. */
export interface AppliedObject {
  /** `group/Kind/namespace/name`. */
  id: string;
  /** The bundle's object with Flotilla's ownership marks. */
  desired: LiveObject;
  /** The object as the server returned it after apply (or dry-run, when unchanged). */
  live: LiveObject;
}

/** The outcome of a reconcile, ready to become a `JobResultV1`. */
export interface ReconcileOutcome {
  outcome: 'succeeded' | 'failed';
  /** For failures: true when retrying can help (API server unavailable, conflicts). */
  retryable: boolean;
  message?: string;
  resources: ResourceResultV1[];
  /** Ids the application owns in the cluster after this reconcile. */
  inventory: string[];
  /** Every bundle object whose apply succeeded (or was unchanged), for drift detection. */
  applied: AppliedObject[];
  /** Hooks run during a sync, in the order they ran (absent when none). */
  hooks?: HookResultV1[];
}

/** Tuning of the applier. */
export interface ApplierOptions {
  /** Concurrent requests inside a wave. Default 16 (the agent passes its `--concurrency`, 8 by default). */
  concurrency?: number;
  /** How long to wait for CRDs to be Established. Default 30 s. */
  establishTimeoutMs?: number;
  /** How long to wait for a deleted object to be gone before recreating it. Default 30 s. */
  recreateTimeoutMs?: number;
  /**
   * How long a gated wave (or a hook) may take to become Current before the sync fails,
   * unless its objects say otherwise (`flotilla.io/health-timeout`). Default 5 minutes; the
   * agent renews its job lease while it waits (lease-keeper.ts), so this may exceed the lease.
   */
  healthTimeoutMs?: number;
  /** The cluster owner's install-time guardrail. Default: everything allowed. */
  guardrail?: ObjectPolicy;
  /** Decrypts SOPS objects with the cluster's age key. Without it a SOPS object fails its sync. */
  sops?: SopsDecryptor;
}
