/**
 * Types of the health engine. Health is judged from the object as the API server returns it
 * (spec + status), never by asking anything else, so these are plain data.
 */

/**
 * A Kubernetes object as read from the API server: only the fields every kind shares are
 * typed; the rest stays `unknown` and each health rule reads it defensively.
 */
export interface LiveObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    [k: string]: unknown;
  };
  spec?: unknown;
  status?: unknown;
  [k: string]: unknown;
}

/**
 * kstatus status names, so whoever knows kstatus, Flux or the cli-utils applier reads them
 * the same way.
 * - `Current`: the object has reached its desired state.
 * - `InProgress`: a controller is still working towards it.
 * - `Failed`: it got stuck and will not get there without a change (deadline exceeded, crash loop).
 * - `Terminating`: deletion has started.
 * - `NotFound`: the object does not exist in the cluster.
 * - `Unknown`: the status cannot be judged (e.g. the node of a Pod is gone).
 */
export type HealthStatus = 'Current' | 'InProgress' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';

/** The verdict on one object (or, rolled up, on an application). */
export interface HealthResult {
  status: HealthStatus;
  /** One line for humans, e.g. "2 of 3 replicas updated". */
  message: string;
}

/** A status condition as most controllers write it (`status.conditions[]`). */
export interface Condition {
  type: string;
  /** 'True', 'False' or 'Unknown' when well-formed; kept a string because controllers vary. */
  status: string;
  reason?: string;
  message?: string;
}
