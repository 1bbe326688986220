// Types of what DesiredStateService decides and reports.
import { type ClusterGuardrail, type ObjectPolicy } from '../../domain/object-policy.js';
import { type PolicyRefusal } from '../../domain/render/bundle-policy.js';
import { type RenderedBundle } from '../../domain/render/render.types.js';
import { type Revision } from '../../vcs/index.js';
import { type ProjectEntity } from '../projects/project.entity.js';

/** Why desired state is being recomputed (shown in the deployment history). */
export type Trigger =
  | 'created'
  | 'updated'
  | 'revision'
  | 'sync'
  | 'rollback'
  | 'unpin'
  | 'cluster-labels'
  | 'cluster-registered'
  | 'cluster-capabilities'
  | 'delete'
  | 'rollout'
  | 'dependencies';

/** What one recomputation did. */
export interface ReconcileOutcome {
  revision: string | null;
  jobs: number;
  removals: number;
  unchanged: number;
  renderFailures: number;
  /** Changed clusters a staged rollout holds back (it moves them batch by batch). */
  held?: number;
}

export type ClusterRef = {
  id: string;
  name: string;
  labels: Record<string, string>;
  kubernetesVersion?: string | null;
  apiVersions?: string[] | null;
  guardrail?: ClusterGuardrail | null;
  connectionState?: string;
};

/** A revision or a Git branch to render at instead of the application's own (previews). */
export interface PreviewRef {
  revision?: string;
  branch?: string;
}

/** What {@link DesiredStateService.plan} found: per target cluster a bundle, or why not. */
export interface RenderPlan {
  revision: Revision | null;
  /** Why the repository could not be read at the wanted revision (then every cluster failed). */
  fetchError: string | null;
  project: ProjectEntity;
  objectPolicy: ObjectPolicy;
  rendered: Rendered[];
  fetchMs: number;
}

/** One cluster's render: a bundle, or the error (with the policy refusals when that is why). */
export type Rendered =
  | { cluster: ClusterRef; bundle: RenderedBundle; error?: undefined; refusals?: undefined }
  | { cluster: ClusterRef; error: string; refusals?: PolicyRefusal[]; bundle?: undefined };
