/** The parts of a project that are plain data and rules, shared by the hub's layers. */
import { OPEN_POLICY, type ObjectPolicy } from './object-policy.js';

/** Id of the `default` project every application created before projects existed belongs to. */
export const DEFAULT_PROJECT_ID = '00000000-0000-4000-8000-000000000001';
/** Name of the `default` project. */
export const DEFAULT_PROJECT_NAME = 'default';

/**
 * A repository (by name, or `*` for any) and optionally a path prefix under it that a project's
 * applications may deploy from.
 */
export interface ProjectSource {
  repository: string;
  /** Path prefix (`apps/team-a`); absent: any path of the repository. */
  path?: string;
}

/** Everything a project decides about its applications. */
export interface ProjectRules {
  sources: ProjectSource[];
  /** Label selector of the clusters its applications may deploy to; `''` selects every cluster. */
  clusterSelector: string;
  /** What objects its applications may deploy. */
  objects: ObjectPolicy;
}

/** The `default` project's rules: today's behaviour, everything allowed. */
export const DEFAULT_PROJECT_RULES: ProjectRules = {
  sources: [{ repository: '*' }],
  clusterSelector: '',
  objects: OPEN_POLICY,
};
