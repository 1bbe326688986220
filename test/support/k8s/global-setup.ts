import type { TestProject } from 'vitest/node';
import { ensureK8sBinaries } from './k8s-binaries.js';
import { K8sTestEnvironment, type K8sTestCluster } from './k8s-test-environment.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The clusters started once for the `k8s` project, in order `cluster-1`… */
    k8sClusters: readonly K8sTestCluster[];
    /** Directory of kube-apiserver and etcd, for suites that start their own environment. */
    k8sBinaryDir: string;
  }
}

/** How many clusters the shared environment has; multi-cluster behaviour needs at least three. */
const SHARED_CLUSTERS = 3;

/**
 * vitest global setup of the `k8s` project: builds the binaries if they are
 * missing (minutes, once per machine), starts the clusters once for every
 * suite of the project and stops them when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binaries = await ensureK8sBinaries();
  const environment = await K8sTestEnvironment.start({ clusters: SHARED_CLUSTERS, binaries });
  project.provide('k8sClusters', environment.clusters);
  project.provide('k8sBinaryDir', binaries.dir);
  return async () => {
    await environment.stop();
  };
}
