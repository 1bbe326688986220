/**
 * `npm run demo`: a whole Flotilla on this machine, nothing to install but Node (and Go, once,
 * to build the Kubernetes binaries): the compiled hub with its embedded PostgreSQL, one local
 * kube-apiserver (the test harness's, see docs/k8s-test-clusters.md), one agent process, and a
 * Git repository served on 127.0.0.1 holding two example applications that the hub deploys to the
 * cluster: plain manifests, and a Helm chart rendered on the hub by the real helm (built once
 * from its Go module, like the Kubernetes binaries). Prints the URLs, the admin token and three things to try; Ctrl-C (SIGINT or SIGTERM)
 * stops everything and deletes every temporary directory.
 *
 * `--exit-when-synced` (or FLOTILLA_DEMO_EXIT_WHEN_SYNCED=1) stops once the example application
 * is in the cluster, for CI.
 *
 * The hub runs compiled (`dist/src/main.js`, built by `npm run demo` first) because tsx does not
 * emit the decorator metadata Nest relies on; this script only orchestrates.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGitHttpServer, type GitHttpServer } from '../test/support/git-http-server.js';
import { ensureHelm } from '../test/support/helm-binary.js';
import { ensureK8sBinaries } from '../test/support/k8s/k8s-binaries.js';
import { K8sTestEnvironment } from '../test/support/k8s/k8s-test-environment.js';
import { freeTcpPort, run } from '../test/support/vcs-process.js';

const CLUSTER = 'demo-cluster';
const APP = 'guestbook';
const APP_NAMESPACE = 'guestbook';
const CHART_APP = 'hello';

/** The example application: plain manifests, with the variables the hub substitutes per cluster. */
const EXAMPLE_APP: Record<string, string> = {
  'apps/guestbook/namespace.yaml': `apiVersion: v1
kind: Namespace
metadata:
  name: ${APP_NAMESPACE}
`,
  'apps/guestbook/config.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: guestbook-config
data:
  greeting: "Hello from \${cluster.name} (env \${cluster.labels.env})"
  replicas: "\${values.replicas}"
`,
  'apps/guestbook/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: guestbook
  labels: { app: guestbook }
spec:
  replicas: 1
  selector:
    matchLabels: { app: guestbook }
  template:
    metadata:
      labels: { app: guestbook }
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports: [{ containerPort: 80 }]
---
apiVersion: v1
kind: Service
metadata:
  name: guestbook
spec:
  selector: { app: guestbook }
  ports: [{ port: 80, targetPort: 80 }]
`,
};

/** The Helm example: a small chart; the hub gives each cluster its own message through inline values. */
const EXAMPLE_CHART: Record<string, string> = {
  'apps/hello/Chart.yaml': 'apiVersion: v2\nname: hello\nversion: 0.1.0\nappVersion: "1.0"\n',
  'apps/hello/values.yaml': 'replicas: 1\nmessage: Hello from Helm\nimage: nginx:1.27\n',
  'apps/hello/templates/namespace.yaml': `apiVersion: v1
kind: Namespace
metadata:
  name: {{ .Release.Namespace }}
`,
  'apps/hello/templates/configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-message
data:
  message: {{ .Values.message | quote }}
  chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | quote }}
`,
  'apps/hello/templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels: { app: {{ .Release.Name }} }
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: { app: {{ .Release.Name }} }
  template:
    metadata:
      labels: { app: {{ .Release.Name }} }
    spec:
      containers:
        - name: web
          image: {{ .Values.image }}
`,
};

const log = (line: string) => process.stderr.write(`[demo] ${line}\n`);

/** Everything started so far, stopped in reverse order. */
const cleanups: { name: string; run: () => Promise<void> }[] = [];
let stopping: Promise<void> | null = null;

function stopAll(): Promise<void> {
  stopping ??= (async () => {
    for (const step of cleanups.reverse()) {
      await step.run().catch((e: Error) => log(`stopping ${step.name} failed: ${e.message}`));
    }
    cleanups.length = 0;
  })();
  return stopping;
}

/** Stops a child with SIGTERM, then SIGKILL after `graceMs`, and waits until it is reaped. */
async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Spawns `node <args>` with its output appended to a log file. */
async function startNode(name: string, args: string[], env: NodeJS.ProcessEnv, logFile: string) {
  const out = await open(logFile, 'a');
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', out.fd, out.fd] });
  await out.close();
  child.once('exit', (code, signal) => {
    if (!stopping) log(`${name} exited unexpectedly (${signal ?? `exit ${String(code)}`}); see ${logFile}`);
  });
  cleanups.push({ name, run: () => stopChild(child) });
  return child;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (stopping) throw new Error('stopped');
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

/** Writes the example application into a fresh repository on the Git server. */
async function seedRepository(git: GitHttpServer, workDir: string): Promise<string> {
  await git.createRepo('fleet');
  await run('git', ['init', '--quiet', '--initial-branch=main', workDir]);
  for (const [path, content] of Object.entries({ ...EXAMPLE_APP, ...EXAMPLE_CHART })) {
    await mkdir(join(workDir, path, '..'), { recursive: true });
    await writeFile(join(workDir, path), content);
  }
  const id = ['-c', 'user.name=Flotilla Demo', '-c', 'user.email=demo@flotilla.invalid'];
  await run('git', ['-C', workDir, 'add', '.']);
  await run('git', [
    '-C',
    workDir,
    ...id,
    'commit',
    '--quiet',
    '-m',
    'Add the guestbook and hello applications',
  ]);
  await run('git', ['-C', workDir, 'push', '--quiet', git.url('fleet'), 'main']);
  return git.url('fleet');
}

async function main(): Promise<void> {
  const exitWhenSynced =
    process.argv.includes('--exit-when-synced') || process.env.FLOTILLA_DEMO_EXIT_WHEN_SYNCED === '1';
  const root = await mkdtemp(join(tmpdir(), 'flotilla-demo-'));
  // The embedded PostgreSQL runs as its own user when we are root: it must pass through.
  await chmod(root, 0o711);
  cleanups.push({ name: 'temporary directory', run: () => rm(root, { recursive: true, force: true }) });

  log('Kubernetes binaries and helm (built once, minutes on first use)…');
  const [binaries, helm] = await Promise.all([ensureK8sBinaries(), ensureHelm()]);
  log('starting a kube-apiserver…');
  const k8s = await K8sTestEnvironment.start({ clusters: [CLUSTER], binaries });
  cleanups.push({ name: 'kube-apiserver', run: () => k8s.stop() });
  const cluster = k8s.clusters[0];
  const kubeconfig = join(root, 'kubeconfig');
  await writeFile(kubeconfig, cluster.kubeconfig, { mode: 0o600 });

  log('starting the Git server…');
  const git = await startGitHttpServer();
  cleanups.push({ name: 'Git server', run: () => git.close() });
  const repoUrl = await seedRepository(git, join(root, 'work'));

  log('starting the hub (embedded PostgreSQL)…');
  const port = await freeTcpPort();
  const hubUrl = `http://127.0.0.1:${port}`;
  const adminToken = `flt_demo_${randomBytes(16).toString('hex')}`;
  const hubDir = join(root, 'hub');
  await mkdir(hubDir, { mode: 0o711 });
  const hub = await startNode(
    'hub',
    ['dist/src/main.js'],
    {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: '',
      FLOTILLA_DATA_DIR: hubDir,
      FLOTILLA_ADMIN_TOKEN: adminToken,
      FLOTILLA_PUBLIC_URL: hubUrl,
      // The demo points at Swagger UI, which is off by default.
      FLOTILLA_SWAGGER_UI: 'true',
      // The demo's Git server listens on loopback, which the egress policy refuses by default.
      FLOTILLA_REPOSITORY_ALLOWED_HOSTS: '127.0.0.1',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      FLOTILLA_HELM_BIN: helm,
    },
    join(root, 'hub.log'),
  );
  await waitFor('the hub', 120_000, async () => {
    if (hub.exitCode !== null) throw new Error('the hub exited');
    return (await fetch(`${hubUrl}/readyz`)).ok ? true : undefined;
  });

  const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(hubUrl + path, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const registered = (await api('POST', '/api/v1/clusters', { name: CLUSTER, labels: { env: 'demo' } })) as {
    registration: { token: string };
  };
  await api('POST', '/api/v1/repositories', {
    name: 'fleet',
    type: 'git',
    url: repoUrl,
    pollIntervalSeconds: 5,
  });
  await api('POST', '/api/v1/applications', {
    name: APP,
    repositoryId: 'fleet',
    path: 'apps/guestbook',
    targets: [{ clusterSelector: 'env=demo', namespace: APP_NAMESPACE, values: { replicas: '1' } }],
    syncPolicy: { automated: true, prune: true, selfHeal: true },
  });
  await api('POST', '/api/v1/applications', {
    name: CHART_APP,
    repositoryId: 'fleet',
    path: 'apps/hello',
    source: { kind: 'helm' },
    targets: [
      {
        clusterSelector: 'env=demo',
        namespace: CHART_APP,
        helm: { values: { message: 'Hello from ${cluster.name}, rendered by helm on the hub' } },
      },
    ],
    syncPolicy: { automated: true, prune: true, selfHeal: true },
  });

  log('starting the agent…');
  const agentDir = join(root, 'agent');
  await startNode(
    'agent',
    [
      '--max-semi-space-size=2',
      '--expose-gc',
      'dist/src/agent/main.js',
      '--hub-url',
      hubUrl,
      '--registration-token',
      registered.registration.token,
      '--kubeconfig',
      kubeconfig,
      '--state-dir',
      join(agentDir, 'state'),
      '--metrics-port',
      '0',
      '--poll-wait',
      '10',
      '--heartbeat-interval',
      '5',
    ],
    { ...process.env, MALLOC_ARENA_MAX: '2' },
    join(root, 'agent.log'),
  );

  log('waiting for the guestbook application to reach the cluster…');
  const kubectl = binaries.kubectl;
  await waitFor('the guestbook Deployment', 180_000, async () => {
    const out = await run(kubectl, [
      '--kubeconfig',
      kubeconfig,
      'get',
      '-n',
      APP_NAMESPACE,
      'deployment/guestbook',
      'configmap/guestbook-config',
      '-o',
      'name',
    ]);
    return out.includes('deployment.apps/guestbook') ? true : undefined;
  });
  log('waiting for the hello chart, rendered by helm on the hub…');
  await waitFor('the hello chart', 180_000, async () => {
    const out = await run(kubectl, [
      '--kubeconfig',
      kubeconfig,
      'get',
      '-n',
      CHART_APP,
      'configmap',
      '-o',
      'name',
    ]);
    return out.includes(`configmap/${CHART_APP}-message`) ? true : undefined;
  });

  const k = `${kubectl} --kubeconfig ${kubeconfig}`;
  const H = `-H 'Authorization: Bearer ${adminToken}'`;
  process.stdout.write(
    [
      '',
      'Flotilla demo is running.',
      '',
      `  hub          ${hubUrl}        (Swagger UI: ${hubUrl}/api/docs)`,
      `  admin token  ${adminToken}`,
      `  Git repo     ${repoUrl}`,
      `  cluster      ${cluster.url}   kubeconfig: ${kubeconfig}`,
      `  logs         ${join(root, 'hub.log')}  ${join(root, 'agent.log')}`,
      '',
      'Four things to try:',
      '',
      '  1. See the application, synced and healthy, and what the agent applied:',
      `     curl -s ${H} ${hubUrl}/api/v1/applications/${APP}`,
      `     ${k} get -n ${APP_NAMESPACE} deploy,svc,cm`,
      '',
      '  2. Drift: change the cluster behind Flotilla’s back and watch self-heal put it back:',
      `     ${k} -n ${APP_NAMESPACE} patch configmap guestbook-config --type merge -p '{"data":{"greeting":"drifted"}}'`,
      `     ${k} -n ${APP_NAMESPACE} get configmap guestbook-config -o jsonpath='{.data.greeting}'`,
      '',
      '  3. Ask the audit trail who did what, fleet-wide (newest first):',
      `     curl -s ${H} '${hubUrl}/api/v1/audit?limit=20'`,
      '',
      `  4. The Helm chart in apps/hello, with this cluster's message given as inline values:`,
      `     ${k} get -n ${CHART_APP} configmap ${CHART_APP}-message -o jsonpath='{.data.message}'`,
      '',
      'Press Ctrl-C to stop everything (all processes and temporary files go).',
      '',
    ].join('\n'),
  );

  if (exitWhenSynced) {
    log('the application reached the cluster; stopping (--exit-when-synced)');
    await stopAll();
    process.exit(0);
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log(`${signal}: stopping…`);
    void stopAll().then(() => {
      log('stopped; temporary files removed');
      process.exit(0);
    });
  });
}

main().catch(async (e: Error) => {
  if (!stopping) log(`failed: ${e.message}`);
  await stopAll();
  process.exit(1);
});
