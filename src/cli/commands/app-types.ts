/** One target of an application: which clusters, and how to render for them. */
export interface Target {
  clusterSelector: string;
  namespace?: string;
  values?: Record<string, string | number | boolean>;
  patches?: unknown[];
}

/** The spec of an application, as `POST /api/v1/applications` takes it (and `app apply` reads it). */
export interface ApplicationSpec {
  name: string;
  repositoryId: string;
  path: string;
  revision?: string;
  targets: Target[];
  syncPolicy: { automated: boolean; prune: boolean; selfHeal: boolean };
  ignoreDifferences?: string[];
}

/** An application as the hub returns it. */
export interface Application extends Omit<ApplicationSpec, 'revision'> {
  id: string;
  revision: string | null;
  ignoreDifferences: string[];
  suspended: boolean;
  deleting: boolean;
  createdAt: string;
  updatedAt: string;
}

/** Where an application stands on one cluster. */
export interface ClusterStatus {
  clusterId: string;
  clusterName: string;
  connectionState: string;
  revisionWanted: string | null;
  revisionApplied: string | null;
  sync: 'Synced' | 'OutOfSync' | 'Progressing' | 'Failed' | 'Unknown';
  health: string;
  message: string | null;
  lastJob: {
    id: string;
    kind: string;
    state: string;
    revision: string;
    attempts: number;
    error: string | null;
  } | null;
}

/** `GET /api/v1/applications/:id`: the application and its per-cluster status. */
export interface ApplicationDetail extends Application {
  clusters: ClusterStatus[];
  counts: Record<string, Record<string, number>>;
}

/** What a sync, rollback or unpin queued. */
export interface SyncResult {
  revision: string | null;
  jobs: number;
  removals: number;
  unchanged: number;
  renderFailures: number;
}
