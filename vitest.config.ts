import { defineConfig } from 'vitest/config';

/**
 * Test projects. `unit` needs nothing running; `integration` boots the hub against a real
 * Postgres (embedded, or DATABASE_URL) started once by its global setup.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['src/**/*.test.ts', 'web/src/**/*.test.ts', 'scripts/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/postgres.global-setup.ts'],
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          // Real kube-apiservers sharing one etcd, started once by the global setup (which
          // builds the binaries on first use); see docs/k8s-test-clusters.md.
          name: 'k8s',
          include: ['test/k8s/**/*.test.ts'],
          globalSetup: ['test/support/k8s/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          // schemathesis (a Python venv in the cache, installed on first use) against a real hub.
          name: 'contract',
          include: ['test/contract/**/*.test.ts'],
          globalSetup: ['test/support/postgres.global-setup.ts'],
          fileParallelism: false,
        },
      },
      { extends: true, test: { name: 'vcs', include: ['test/vcs/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          // The dashboard in headless Chromium (Debian `chromium`) against a real hub serving
          // the built dist/web; the test runs `npm run build` once.
          name: 'web',
          include: ['test/web/**/*.test.ts'],
          globalSetup: ['test/support/postgres.global-setup.ts'],
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          // The built `flotilla` CLI as a subprocess against a real hub, Git and SVN servers.
          name: 'cli',
          include: ['test/cli/**/*.test.ts'],
          globalSetup: ['test/support/postgres.global-setup.ts', 'test/cli/build.global-setup.ts'],
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          // Hub + Postgres + Git/SVN servers + three kube-apiservers + agent processes.
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/postgres.global-setup.ts', 'test/support/k8s/global-setup.ts'],
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          // Helm charts rendered by a helm built from its Go module and validated by a real
          // kube-apiserver; the agent manifest from a real hub; `npm run demo` end to end.
          name: 'deploy',
          include: ['test/helm/**/*.test.ts', 'test/demo/**/*.test.ts'],
          globalSetup: ['test/support/postgres.global-setup.ts', 'test/support/k8s/global-setup.ts'],
          fileParallelism: false,
        },
      },
    ],
  },
});
