/**
 * Hub ↔ agent wire types, version 1. The agent opens every connection (outbound HTTPS only);
 * these shapes only ever change additively: new optional fields, new enum members that old
 * agents may ignore. See docs/agent-protocol.md.
 */

/** Path prefix of every agent route. */
export const AGENT_API = '/api/v1/agent';

/** POST /register: the one-time registration token is exchanged for a long-lived credential. */
export interface RegisterRequestV1 {
  registrationToken: string;
  agentVersion: string;
  kubernetesVersion?: string;
  /** The public age (X25519) recipient sealed secrets for this cluster are encrypted to (`age1…`). */
  ageRecipient?: string;
}

export interface RegisterResponseV1 {
  clusterId: string;
  clusterName: string;
  /** Bearer credential for every later call; the hub keeps only its hash. */
  credential: string;
}

/** The largest bundle a job carries itself (see {@link JobV1.bundle}); larger ones are fetched. */
export const INLINE_BUNDLE_MAX_BYTES = 64 * 1024;

/** What a job asks the agent to do. */
export type JobKindV1 = 'sync' | 'remove';

/** A reconcile job as handed to an agent (GET /jobs). */
export interface JobV1 {
  id: string;
  kind: JobKindV1;
  applicationId: string;
  applicationName: string;
  /** Opaque revision id and its display form. */
  revision: string;
  revisionDisplay: string;
  /** Content address of the bundle to apply (`sha256:<hex>`); null for removal jobs. */
  bundleDigest: string | null;
  /**
   * The bundle itself, when it is small (additive, optional): the JSON Lines `GET
   * /bundles/:digest` would answer, at most {@link INLINE_BUNDLE_MAX_BYTES} bytes, so the agent
   * needs no second request. The agent checks it against `bundleDigest` as it does a fetched one.
   * Absent: fetch it (or use the copy it has).
   */
  bundle?: string;
  /** Delete objects of the previous inventory that are not in the bundle (or everything, for remove). */
  prune: boolean;
  selfHeal: boolean;
  /** JSON pointers of fields other controllers own, ignored in drift detection. */
  ignoreDifferences: string[];
  /** Recreate objects whose immutable fields changed. */
  force: boolean;
  attempt: number;
  /** ISO time after which the hub may hand the job to someone else if no result came. */
  leaseExpiresAt: string;
  /**
   * Length of the lease in seconds (additive, optional): an agent still working on the job renews
   * it (POST /jobs/:id/lease) well before that much time passed, on its own clock. Absent: a hub
   * without renewal.
   */
  leaseSeconds?: number;
  /**
   * The rules of the application's project (additive, optional): the agent refuses, per object,
   * what they do not allow, on top of its own install-time guardrail. Absent: no project rules.
   */
  policy?: ObjectPolicyV1;
  /**
   * Custom health checks (additive, optional): the hub's rules merged with the application's
   * (the application's win for the same group/kind), as they stood when the job was leased.
   * The agent judges objects of these kinds by them instead of its built-in rules, from this
   * job on. Absent: built-in rules only.
   */
  healthChecks?: HealthCheckV1[];
}

/**
 * A custom health check: for objects of one group and kind, CEL expressions that say when one
 * is in progress, failed or current (tried in that order; none true is in progress).
 */
export interface HealthCheckV1 {
  /** `''` for the core group. */
  group: string;
  kind: string;
  current: string;
  inProgress?: string;
  failed?: string;
}

/** A group and kind; `*` matches anything. The core group is `''`. */
export interface GroupKindV1 {
  group: string;
  kind: string;
}

/** Object rules a job carries (same meaning as the hub's project rules; see docs/agent-protocol.md). */
export interface ObjectPolicyV1 {
  namespaces: string[];
  allowedKinds: GroupKindV1[];
  deniedKinds: GroupKindV1[];
  allowSecrets: boolean;
}

/** Answer of GET /jobs?waitSeconds=N: empty when nothing arrived in time. */
export interface JobsResponseV1 {
  jobs: JobV1[];
  /** Preview jobs (additive): old agents ignore them, old hubs never send them. */
  previews?: PreviewJobV1[];
}

/** A preview job (GET /jobs answer, field `previews`): dry-run a bundle, report the difference, write nothing. */
export interface PreviewJobV1 {
  /** Id of this cluster's part of the preview (answer with POST /previews/:id/result). */
  id: string;
  /** null: an application not created yet. */
  applicationId: string | null;
  /** Ownership label value the agent would use. */
  applicationName: string;
  revision: string;
  revisionDisplay: string;
  /** Fetched with GET /bundles/:digest as for sync jobs. */
  bundleDigest: string;
  prune: boolean;
  ignoreDifferences: string[];
  force: boolean;
  policy?: ObjectPolicyV1;
  /** ISO time after which nobody reads the answer: skip the job if it is past. */
  expiresAt: string;
}

/**
 * What a sync would do to one object. `refused`: the API server's dry run (admission,
 * validation, immutable field) said no; `denied`: the agent's guardrail or the job's policy said
 * no; `prune`: would be deleted.
 */
export type PreviewActionV1 = 'create' | 'change' | 'prune' | 'unchanged' | 'refused' | 'denied';

/** One changed field, as a JSON pointer into the object; values are JSON. Secret values: "(redacted)". */
export interface FieldChangeV1 {
  path: string;
  op: 'add' | 'remove' | 'replace';
  before?: unknown;
  after?: unknown;
}

/** One object of a preview and what a sync would do to it. */
export interface PreviewObjectV1 {
  /** `group/Kind/namespace/name`, as ResourceResultV1.id. */
  id: string;
  action: PreviewActionV1;
  message?: string;
  /** action `change` only: at most MAX_PREVIEW_CHANGES_V1 entries (then `truncated: true`). */
  changes?: FieldChangeV1[];
  truncated?: boolean;
}

/** POST /api/v1/agent/previews/:id/result — idempotent by reportId (a second answer is ignored). */
export interface PreviewResultV1 {
  reportId: string;
  /** failed: the agent could not preview at all (bundle unreadable, API server down) — message says why. */
  outcome: 'completed' | 'failed';
  message?: string;
  objects: PreviewObjectV1[];
}

/** Most objects one preview result may carry (more: 400). */
export const MAX_PREVIEW_OBJECTS_V1 = 5000;
/** Most field changes per object (then `truncated: true`). */
export const MAX_PREVIEW_CHANGES_V1 = 200;
/** Longest JSON text of one before/after value; a longer one is cut and ends with "…". */
export const MAX_PREVIEW_VALUE_CHARS_V1 = 2048;

/** What happened to one object. */
export type ResourceActionV1 = 'created' | 'configured' | 'unchanged' | 'deleted' | 'skipped' | 'failed';

/** kstatus health of an object. */
export type HealthStatusV1 = 'Current' | 'InProgress' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';

export interface ResourceResultV1 {
  /** `group/Kind/namespace/name`. */
  id: string;
  action: ResourceActionV1;
  message?: string;
  health?: HealthStatusV1;
  healthMessage?: string;
}

/** The phase a sync hook ran at (`flotilla.io/hook`). */
export type HookPhaseV1 = 'PreSync' | 'PostSync' | 'SyncFail';

/** One hook the agent ran during a sync: its phase, its object, how it ended. */
export interface HookResultV1 {
  phase: HookPhaseV1;
  /** `group/Kind/namespace/name`. */
  resource: string;
  outcome: 'succeeded' | 'failed';
  message?: string;
}

/**
 * Answer of POST /jobs/:id/lease: the job's lease, renewed from now. Refused 409 when the job is
 * no longer leased (finished, superseded, or taken back after the lease ended), 403 when it is
 * another cluster's, 404 when there is no such job.
 */
export interface JobLeaseV1 {
  leaseExpiresAt: string;
  leaseSeconds: number;
}

/** POST /jobs/:id/result — `reportId` makes a retried report count once. */
export interface JobResultV1 {
  reportId: string;
  outcome: 'succeeded' | 'failed';
  /** Failed jobs: whether retrying can help (API server down) or not (invalid object). */
  retryable?: boolean;
  message?: string;
  resources: ResourceResultV1[];
  /** Object ids the application owns in the cluster after this job. */
  inventory: string[];
  /** Hooks run during a sync, in the order they ran; absent when there were none. */
  hooks?: HookResultV1[];
}

export type AgentEventTypeV1 = 'drift.detected' | 'drift.corrected' | 'resource.health-changed';

export interface AgentEventV1 {
  type: AgentEventTypeV1;
  applicationId: string;
  resource: string;
  revision?: string;
  /** Readable diff, desired vs live. */
  diff?: string;
  health?: HealthStatusV1;
  message?: string;
  time: string;
}

export interface ResourceStatusV1 {
  applicationId: string;
  resource: string;
  health: HealthStatusV1;
  healthMessage?: string;
  drifted: boolean;
  diff?: string;
}

/** Most events one status report may carry (more: 400). */
export const MAX_EVENTS_PER_REPORT_V1 = 500;

/** Most characters of a diff in a status report, event or resource (more: 400). */
export const MAX_DIFF_CHARS_V1 = 16_384;

/** POST /status — periodic or on change; idempotent by reportId. */
export interface StatusReportV1 {
  reportId: string;
  resources: ResourceStatusV1[];
  events: AgentEventV1[];
}

/** POST /heartbeat. */
export interface HeartbeatV1 {
  agentVersion: string;
  kubernetesVersion?: string;
  /**
   * Every `group/version` the API server serves (`v1` for the core group), sorted: what Helm's
   * `.Capabilities.APIVersions` holds when the hub renders a chart for this cluster. Sent when it
   * changed since the agent last sent it (a CRD installed or removed), and after a restart.
   */
  apiVersions?: string[];
  /**
   * The public recipient of the agent's newest age identity (`age1…`); sent with every
   * heartbeat, so a rotation reaches the hub with the next one. The private key never leaves
   * the cluster.
   */
  ageRecipient?: string;
}

/**
 * Answer of POST /heartbeat when the hub has something to ask (200); otherwise 204, no body.
 * Agents that do not know a field ignore it.
 */
export interface HeartbeatAnswerV1 {
  /** An operator asked for a new age identity (`flotilla cluster rotate-key`): make one and send its recipient. */
  rotateAgeKey?: boolean;
}

/** Answer of POST /status and /jobs/:id/result. */
export interface ReportAckV1 {
  /** false when this reportId was already recorded (a retry). */
  recorded: boolean;
  /** POST /status: entries ignored because their application has no desired state on this cluster. */
  ignored?: number;
}
