import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';
import { ensureK8sBinaries, type K8sBinaries } from './k8s-binaries.js';
import { renderKubeconfig } from './kubeconfig.js';
import { ManagedProcess, removeTempDir, trackTempDir } from './managed-process.js';
import { generateApiServerPki, TEST_USERS } from './test-pki.js';

/**
 * One test cluster: a kube-apiserver with its own etcd prefix. Plain data, so
 * vitest can hand it from global setup to test workers.
 */
export interface K8sTestCluster {
  readonly name: string;
  /** https://127.0.0.1:<port> */
  readonly url: string;
  /** Kubeconfig of a `system:masters` user (everything allowed). */
  readonly kubeconfig: string;
  /** Kubeconfig of a user without any RBAC binding. */
  readonly limitedKubeconfig: string;
  readonly adminToken: string;
  readonly limitedToken: string;
  /** PEM of the CA that signed the serving certificate. */
  readonly caCert: string;
}

/** Options of {@link K8sTestEnvironment.start}. */
export interface K8sTestEnvironmentOptions {
  /** How many clusters, or their names. Default 1 (`cluster-1`). */
  readonly clusters?: number | readonly string[];
  /** Binaries to run; default {@link ensureK8sBinaries} (builds when missing). */
  readonly binaries?: K8sBinaries;
  /** Per-process readiness deadline. Default 120 s (three servers on two cores are slow). */
  readonly startTimeoutMs?: number;
  /** Extra kube-apiserver flags, appended after the harness's own. */
  readonly apiServerArgs?: readonly string[];
  /** Start the API servers one after another instead of all at once. */
  readonly sequential?: boolean;
}

interface RunningCluster {
  readonly cluster: K8sTestCluster;
  readonly process: ManagedProcess;
}

const PROBE_INTERVAL_MS = 200;

/** GET a URL once; resolves to the status code, or undefined if nothing answered. */
function probe(url: string, options: { ca?: string; token?: string } = {}): Promise<number | undefined> {
  return new Promise((resolve) => {
    const requestFn = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = requestFn(
      url,
      {
        method: 'GET',
        timeout: 2_000,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode));
      },
    );
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

/** Polls until `ready()` or the process dies or the deadline passes; errors carry the log tail. */
async function waitUntilReady(
  proc: ManagedProcess,
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exit = proc.exitStatus;
    if (exit !== undefined) {
      throw new Error(
        `${proc.name} exited during start-up (${exit.signal ?? `code ${String(exit.code)}`}); log ${proc.logFile}:\n${proc.logTail()}`,
      );
    }
    if (await ready()) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${proc.name} not ready after ${timeoutMs} ms; log ${proc.logFile}:\n${proc.logTail()}`,
      );
    }
    await sleep(PROBE_INTERVAL_MS);
  }
}

/**
 * Several real Kubernetes API servers sharing one etcd, each under its own
 * `--etcd-prefix`, so N clusters cost one etcd plus N API servers — no
 * controller-manager, scheduler or kubelet (Deployments get no Pods).
 *
 * Everything lives under one temp dir that {@link stop} deletes; processes
 * and the dir are also removed if the runner exits or is interrupted first.
 */
export class K8sTestEnvironment {
  private constructor(
    /** Temp dir holding etcd data, certificates, token files and logs. */
    readonly rootDir: string,
    private readonly etcd: ManagedProcess,
    /** etcd client URL (http://127.0.0.1:<port>). */
    readonly etcdUrl: string,
    private readonly running: readonly RunningCluster[],
  ) {}

  /** The clusters, in start order. */
  get clusters(): readonly K8sTestCluster[] {
    return this.running.map((r) => r.cluster);
  }

  /** Process ids of etcd and every API server, for leak checks and RSS figures. */
  get processes(): readonly { readonly name: string; readonly pid: number }[] {
    return [this.etcd, ...this.running.map((r) => r.process)].map((p) => ({ name: p.name, pid: p.pid }));
  }

  /** Starts etcd, then the API servers; on any failure stops what started and rethrows. */
  static async start(options: K8sTestEnvironmentOptions = {}): Promise<K8sTestEnvironment> {
    const names = clusterNames(options.clusters ?? 1);
    const timeoutMs = options.startTimeoutMs ?? 120_000;
    const binaries = options.binaries ?? (await ensureK8sBinaries());
    const rootDir = await mkdtemp(join(tmpdir(), 'flotilla-k8s-'));
    trackTempDir(rootDir);
    const started: ManagedProcess[] = [];
    try {
      const { etcd, etcdUrl } = await startEtcd(binaries, rootDir, timeoutMs);
      started.push(etcd);
      const startOne = async (name: string): Promise<RunningCluster> => {
        const running = await startApiServer(
          binaries,
          rootDir,
          etcdUrl,
          name,
          timeoutMs,
          options.apiServerArgs ?? [],
        );
        started.push(running.process);
        return running;
      };
      const running: RunningCluster[] = [];
      if (options.sequential === true) {
        for (const name of names) {
          running.push(await startOne(name));
        }
      } else {
        // allSettled, not all: every started process must be known before cleanup.
        const results = await Promise.allSettled(names.map(startOne));
        for (const result of results) {
          if (result.status === 'rejected') {
            throw result.reason;
          }
          running.push(result.value);
        }
      }
      return new K8sTestEnvironment(rootDir, etcd, etcdUrl, running);
    } catch (error) {
      await Promise.all(started.map((p) => p.stop()));
      removeTempDir(rootDir);
      throw error;
    }
  }

  /** Stops the API servers, then etcd (SIGTERM, SIGKILL after 5 s), and deletes the temp dir. */
  async stop(): Promise<void> {
    await Promise.all(this.running.map((r) => r.process.stop()));
    await this.etcd.stop();
    removeTempDir(this.rootDir);
  }
}

function clusterNames(clusters: number | readonly string[]): readonly string[] {
  if (typeof clusters !== 'number') {
    return clusters;
  }
  return Array.from({ length: clusters }, (_, i) => `cluster-${i + 1}`);
}

/** Tries a start with fresh ports up to three times, since a free port can be taken before the child binds it. */
async function withPortRetry<T>(attempt: () => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (let i = 0; i < 3; i++) {
    try {
      return await attempt();
    } catch (error) {
      lastError = error;
      if (!/address already in use/i.test(String(error))) {
        throw error;
      }
    }
  }
  throw lastError;
}

async function startEtcd(
  binaries: K8sBinaries,
  rootDir: string,
  timeoutMs: number,
): Promise<{ etcd: ManagedProcess; etcdUrl: string }> {
  return withPortRetry(async () => {
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const dataDir = await mkdtemp(join(rootDir, 'etcd-'));
    const etcdUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = await ManagedProcess.start(
      'etcd',
      binaries.etcd,
      [
        '--name=flotilla-test',
        `--data-dir=${dataDir}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        // The peer port must be set too: the default (2380) would clash
        // with any other etcd on the machine.
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=flotilla-test=${peerUrl}`,
        // Test data is thrown away, so durability only costs time.
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      `${dataDir}.log`,
    );
    try {
      await waitUntilReady(etcd, async () => (await probe(`${etcdUrl}/health`)) === 200, timeoutMs);
    } catch (error) {
      await etcd.stop();
      throw error;
    }
    return { etcd, etcdUrl };
  });
}

async function startApiServer(
  binaries: K8sBinaries,
  rootDir: string,
  etcdUrl: string,
  name: string,
  timeoutMs: number,
  extraArgs: readonly string[],
): Promise<RunningCluster> {
  const dir = join(rootDir, name);
  await mkdir(dir);
  const pki = await generateApiServerPki(dir);
  return withPortRetry(async () => {
    const port = await freePort();
    const url = `https://127.0.0.1:${port}`;
    const proc = await ManagedProcess.start(
      `kube-apiserver ${name}`,
      binaries.kubeApiServer,
      [
        `--etcd-servers=${etcdUrl}`,
        // The prefix is what separates clusters sharing one etcd.
        `--etcd-prefix=/flotilla/${name}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${port}`,
        `--cert-dir=${dir}`,
        `--tls-cert-file=${pki.servingCertFile}`,
        `--tls-private-key-file=${pki.servingKeyFile}`,
        `--service-account-issuer=${url}`,
        `--service-account-key-file=${pki.serviceAccountPublicKeyFile}`,
        `--service-account-signing-key-file=${pki.serviceAccountPrivateKeyFile}`,
        '--authorization-mode=RBAC',
        `--token-auth-file=${pki.tokenFile}`,
        '--service-cluster-ip-range=10.96.0.0/24',
        // No controller-manager creates the `default` ServiceAccount, so the
        // ServiceAccount admission plugin would reject every Pod.
        '--disable-admission-plugins=ServiceAccount',
        // Without a controller-manager nothing needs the kubernetes Service
        // endpoints, and 127.0.0.1 is not a valid endpoint address anyway.
        '--endpoint-reconciler-type=none',
        // A test server has no competing tenants to protect, and a burst of
        // test requests should never queue behind APF seats. (Measured: it
        // makes no difference to RSS or start time either way.)
        '--enable-priority-and-fairness=false',
        '--profiling=false',
        ...extraArgs,
      ],
      join(dir, 'kube-apiserver.log'),
    );
    try {
      // /readyz only turns 200 when every post-start hook (RBAC bootstrap
      // roles among them) is done; the admin token avoids depending on them.
      await waitUntilReady(
        proc,
        async () => (await probe(`${url}/readyz`, { ca: pki.caCert, token: pki.adminToken })) === 200,
        timeoutMs,
      );
    } catch (error) {
      await proc.stop();
      throw error;
    }
    const kubeconfigFor = (userName: string, token: string): string =>
      renderKubeconfig({ clusterName: name, userName, server: url, caCert: pki.caCert, token });
    return {
      process: proc,
      cluster: {
        name,
        url,
        kubeconfig: kubeconfigFor(TEST_USERS.admin, pki.adminToken),
        limitedKubeconfig: kubeconfigFor(TEST_USERS.limited, pki.limitedToken),
        adminToken: pki.adminToken,
        limitedToken: pki.limitedToken,
        caCert: pki.caCert,
      },
    };
  });
}
