/**
 * The charts under helm/: `helm lint`, `helm template` with default and non-default values, and
 * every rendered object validated by a real kube-apiserver (server-side apply, dry-run) so schema
 * errors, bad references in RBAC and malformed probes fail here rather than at install time.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureHelm } from '../support/helm-binary.js';
import { Kubectl, parseManifests, run, SERVICE_MONITOR_CRD, type KubeObject } from './helm-tools.js';

let helm: string;
let kubectl: Kubectl;
let valuesDir: string;

beforeAll(async () => {
  helm = await ensureHelm();
  kubectl = await Kubectl.forCluster(join(inject('k8sBinaryDir'), 'kubectl'), inject('k8sClusters')[0]);
  valuesDir = await mkdtemp(join(tmpdir(), 'flotilla-helm-values-'));
}, 600_000);

afterAll(async () => {
  await kubectl?.close();
  if (valuesDir) await rm(valuesDir, { recursive: true, force: true });
});

let valuesFiles = 0;
/** `helm template` of a chart with values (written as JSON, which is YAML). */
async function template(chart: string, release: string, namespace: string, values: object = {}) {
  const file = join(valuesDir, `values-${++valuesFiles}.json`);
  await writeFile(file, JSON.stringify(values));
  const res = await run(helm, ['template', release, `helm/${chart}`, '--namespace', namespace, '-f', file]);
  return { ...res, objects: res.code === 0 ? parseManifests(res.stdout) : [] };
}

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
]);

/**
 * Validates rendered objects against the API server without persisting them. Objects without a
 * namespace get the release's, as `helm install --namespace` does.
 */
async function dryRunApply(objects: KubeObject[], namespace: string): Promise<string> {
  const input = objects
    .map((o) =>
      CLUSTER_SCOPED.has(o.kind) || o.metadata.namespace
        ? o
        : { ...o, metadata: { ...o.metadata, namespace } },
    )
    .map((o) => JSON.stringify(o))
    .join('\n---\n');
  return kubectl.ok(
    ['apply', '--server-side', '--dry-run=server', '--field-manager', 'flotilla-test', '-f', '-'],
    input,
  );
}

function find(objects: KubeObject[], kind: string, name?: string): KubeObject {
  const hit = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!hit)
    throw new Error(`no ${kind}${name ? ` ${name}` : ''} in ${objects.map((o) => o.kind).join(', ')}`);
  return hit;
}

function env(deployment: KubeObject): Record<string, any> {
  const container = deployment.spec.template.spec.containers[0];
  return Object.fromEntries(
    (container.env as { name: string; value?: string; valueFrom?: unknown }[]).map((e) => [
      e.name,
      e.value ?? e.valueFrom,
    ]),
  );
}

describe('helm lint', () => {
  it.each(['flotilla-hub', 'flotilla-agent'])('%s lints clean', async (chart) => {
    const res = await run(helm, ['lint', '--strict', `helm/${chart}`]);
    expect(res.stdout + res.stderr).toContain('0 chart(s) failed');
    expect(res.code).toBe(0);
  });
});

describe('flotilla-hub', () => {
  it('default values: one replica, embedded database, probes, read-only non-root pod; valid for the API server', async () => {
    await kubectl.ensureNamespaces('hub-default');
    const { code, stderr, objects } = await template('flotilla-hub', 'flotilla-hub', 'hub-default');
    expect(code, stderr).toBe(0);
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'Deployment',
      'Secret', // the admin token
      'Secret', // the audit key
      'Secret', // the credentials key
      'Service',
      'ServiceAccount',
    ]);
    const deployment = find(objects, 'Deployment');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    const pod = deployment.spec.template.spec;
    const c = pod.containers[0];
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(c.resources.requests).toBeDefined();
    expect(c.volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toEqual(['/data', '/tmp']);
    const e = env(deployment);
    expect(e.DATABASE_URL).toBeUndefined();
    expect(e.FLOTILLA_DATA_DIR).toBe('/data');
    expect(e.FLOTILLA_PUBLIC_URL).toBe('http://flotilla-hub.hub-default.svc:80');
    // a heap sized for the memory limit, not Node's quarter of it
    expect(e.NODE_OPTIONS).toBe('--max-old-space-size=768');
    expect(c.resources.limits.memory).toBe('1Gi');
    expect(e.FLOTILLA_REPOSITORY_ALLOWED_HOSTS).toBeUndefined(); // the egress policy's defaults
    expect(e.FLOTILLA_SECRET_KEY).toEqual({
      secretKeyRef: { name: 'flotilla-hub-secret-key', key: 'secret-key' },
    });
    // The generated key is 32 random bytes and survives uninstall.
    const key = find(objects, 'Secret', 'flotilla-hub-secret-key');
    expect(Buffer.from(Buffer.from(key.data['secret-key'], 'base64').toString(), 'base64')).toHaveLength(32);
    expect(key.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
    // The first admin token is generated into a kept Secret, never printed to a log.
    expect(e.FLOTILLA_ADMIN_TOKEN).toEqual({
      secretKeyRef: { name: 'flotilla-hub-admin-token', key: 'admin-token' },
    });
    const admin = find(objects, 'Secret', 'flotilla-hub-admin-token');
    expect(Buffer.from(admin.data['admin-token'], 'base64').toString()).toMatch(/^flt_[A-Za-z0-9]{48}$/);
    expect(admin.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
    expect(e.FLOTILLA_SWAGGER_UI).toBe('false');
    expect(e.FLOTILLA_METRICS_TOKEN).toBeUndefined();
    // So is the audit key, which every replica must share and the database never holds.
    expect(e.FLOTILLA_AUDIT_KEY).toEqual({
      secretKeyRef: { name: 'flotilla-hub-audit-key', key: 'audit-key' },
    });
    const auditKey = find(objects, 'Secret', 'flotilla-hub-audit-key');
    expect(Buffer.from(Buffer.from(auditKey.data['audit-key'], 'base64').toString(), 'base64')).toHaveLength(
      32,
    );
    expect(auditKey.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
    expect(await dryRunApply(objects, 'hub-default')).toContain(
      'deployment.apps/flotilla-hub serverside-applied (server dry run)',
    );
  });

  it('three replicas, external database from an existing Secret, ingress with TLS and a ServiceMonitor; valid for the API server', async () => {
    await kubectl.ensureNamespaces('hub-ha');
    await kubectl.ok(
      ['apply', '--server-side', '--field-manager', 'flotilla-test', '-f', '-'],
      SERVICE_MONITOR_CRD,
    );
    await kubectl.ok([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/servicemonitors.monitoring.coreos.com',
    ]);
    const { code, stderr, stdout, objects } = await template('flotilla-hub', 'fleet', 'hub-ha', {
      replicaCount: 3,
      database: { existingSecret: 'flotilla-db', existingSecretKey: 'url' },
      secretKey: { existingSecret: 'flotilla-keys', existingSecretKey: 'secret-key' },
      auditKey: { existingSecret: 'flotilla-keys', existingSecretKey: 'audit-key' },
      adminToken: { existingSecret: 'flotilla-keys', existingSecretKey: 'admin-token' },
      metricsToken: { existingSecret: 'flotilla-keys', existingSecretKey: 'metrics-token' },
      ingress: {
        enabled: true,
        className: 'nginx',
        hosts: [{ host: 'flotilla.example.com', paths: [{ path: '/', pathType: 'Prefix' }] }],
        tls: [{ secretName: 'flotilla-tls', hosts: ['flotilla.example.com'] }],
      },
      serviceMonitor: { enabled: true, labels: { release: 'prometheus' } },
      extraEnv: [{ name: 'FLOTILLA_REGISTRATION_TOKEN_TTL_SECONDS', value: '3600' }],
      repositoryAllowedHosts: 'gitea-http.gitea.svc.cluster.local,10.96.0.0/12',
    });
    expect(code, stderr).toBe(0);
    expect(stdout).not.toContain('kind: Secret'); // every secret comes from an existing one
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'Deployment',
      'Ingress',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
    ]);
    const deployment = find(objects, 'Deployment', 'fleet-flotilla-hub');
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.strategy).toBeUndefined(); // rolling update: replicas share one database
    const e = env(deployment);
    expect(e.DATABASE_URL).toEqual({ secretKeyRef: { name: 'flotilla-db', key: 'url' } });
    expect(e.FLOTILLA_SECRET_KEY).toEqual({ secretKeyRef: { name: 'flotilla-keys', key: 'secret-key' } });
    expect(e.FLOTILLA_ADMIN_TOKEN).toEqual({ secretKeyRef: { name: 'flotilla-keys', key: 'admin-token' } });
    expect(e.FLOTILLA_METRICS_TOKEN).toEqual({
      secretKeyRef: { name: 'flotilla-keys', key: 'metrics-token' },
    });
    expect(e.FLOTILLA_AUDIT_KEY).toEqual({ secretKeyRef: { name: 'flotilla-keys', key: 'audit-key' } });
    expect(e.FLOTILLA_PUBLIC_URL).toBe('https://flotilla.example.com');
    expect(e.FLOTILLA_REGISTRATION_TOKEN_TTL_SECONDS).toBe('3600');
    expect(e.FLOTILLA_REPOSITORY_ALLOWED_HOSTS).toBe('gitea-http.gitea.svc.cluster.local,10.96.0.0/12');
    expect(find(objects, 'Ingress').spec.rules[0].http.paths[0].backend.service).toEqual({
      name: 'fleet-flotilla-hub',
      port: { name: 'http' },
    });
    expect(find(objects, 'ServiceMonitor').spec.endpoints[0]).toMatchObject({
      port: 'http',
      path: '/metrics',
      authorization: { type: 'Bearer', credentials: { name: 'flotilla-keys', key: 'metrics-token' } },
    });
    const applied = await dryRunApply(objects, 'hub-ha');
    expect(applied).toContain(
      'ingress.networking.k8s.io/fleet-flotilla-hub serverside-applied (server dry run)',
    );
    expect(applied).toContain(
      'servicemonitor.monitoring.coreos.com/fleet-flotilla-hub serverside-applied (server dry run)',
    );
  });

  it('a database URL in values goes into a created Secret, with a warning in the notes', async () => {
    const { code, objects } = await template('flotilla-hub', 'flotilla-hub', 'hub-url', {
      replicaCount: 2,
      database: { url: 'postgres://flotilla:pw@db:5432/flotilla' },
    });
    expect(code).toBe(0);
    expect(find(objects, 'Secret', 'flotilla-hub').stringData).toEqual({
      'database-url': 'postgres://flotilla:pw@db:5432/flotilla',
    });
    expect(env(find(objects, 'Deployment')).DATABASE_URL).toEqual({
      secretKeyRef: { name: 'flotilla-hub', key: 'database-url' },
    });
    const notes = await run(helm, [
      'install',
      'flotilla-hub',
      'helm/flotilla-hub',
      '--dry-run=client',
      '--kubeconfig',
      kubectl.kubeconfigPath,
      '--set',
      'database.url=postgres://x',
    ]);
    expect(notes.stdout).toContain('WARNING: database.url is stored in this release');
    // Where to read the generated admin token: its Secret, not a pod's log.
    expect(notes.stdout).toContain('get secret flotilla-hub-admin-token');
    expect(notes.stdout).not.toContain('kubectl logs');
  });

  it('refuses several replicas on the embedded database', async () => {
    const res = await template('flotilla-hub', 'flotilla-hub', 'hub-bad', { replicaCount: 3 });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('replicaCount > 1 needs an external PostgreSQL');
  });
});

describe('flotilla-agent', () => {
  it('default values: cluster-wide RBAC, memory settings, in-cluster config; valid for the API server', async () => {
    await kubectl.ensureNamespaces('agent-default');
    const { code, stderr, objects } = await template('flotilla-agent', 'flotilla-agent', 'agent-default', {
      registrationToken: { value: 'fltreg_test' },
      allowInsecureHub: true, // the default hubUrl is the in-cluster Service, over http
    });
    expect(code, stderr).toBe(0);
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'Secret',
      'ServiceAccount',
    ]);
    const e = env(find(objects, 'Deployment'));
    expect(e).toMatchObject({
      FLOTILLA_HUB_URL: 'http://flotilla-hub.flotilla.svc',
      FLOTILLA_ALLOW_INSECURE_HUB: 'true',
      FLOTILLA_IN_CLUSTER: 'true',
      MALLOC_ARENA_MAX: '2',
      NODE_OPTIONS: '--max-semi-space-size=2 --expose-gc',
      FLOTILLA_AGENT_NAMESPACE: { fieldRef: { fieldPath: 'metadata.namespace' } },
    });
    expect(e.FLOTILLA_REGISTRATION_TOKEN.secretKeyRef).toMatchObject({
      name: 'flotilla-agent-registration',
      key: 'token',
    });
    expect(find(objects, 'ClusterRoleBinding').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'flotilla-agent', namespace: 'agent-default' },
    ]);
    const applied = await dryRunApply(objects, 'agent-default');
    expect(applied).toContain(
      'clusterrole.rbac.authorization.k8s.io/flotilla-agent serverside-applied (server dry run)',
    );
    expect(applied).toContain('deployment.apps/flotilla-agent serverside-applied (server dry run)');
  });

  it('namespaced mode: Roles and RoleBindings in the listed namespaces and its own only; a hub CA; valid for the API server', async () => {
    await kubectl.ensureNamespaces('agent-ns', 'team-a', 'team-b');
    const pem = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----';
    const { code, stderr, objects } = await template('flotilla-agent', 'edge', 'agent-ns', {
      hubUrl: 'https://flotilla.example.com/',
      registrationToken: { existingSecret: 'join', existingSecretKey: 'registration-token' },
      rbac: { namespaced: true, namespaces: ['team-a', 'team-b'] },
      hubCA: { pem },
    });
    expect(code, stderr).toBe(0);
    expect(objects.some((o) => o.kind.startsWith('Cluster'))).toBe(false);
    const where = (kind: string) =>
      objects
        .filter((o) => o.kind === kind)
        .map((o) => o.metadata.namespace)
        .sort();
    expect(where('Role')).toEqual(['agent-ns', 'team-a', 'team-b']);
    expect(where('RoleBinding')).toEqual(['agent-ns', 'team-a', 'team-b']);
    const deployment = find(objects, 'Deployment', 'edge-flotilla-agent');
    const e = env(deployment);
    expect(e.FLOTILLA_HUB_URL).toBe('https://flotilla.example.com');
    expect(e.FLOTILLA_REGISTRATION_TOKEN.secretKeyRef).toMatchObject({
      name: 'join',
      key: 'registration-token',
    });
    expect(e.NODE_EXTRA_CA_CERTS).toBe('/etc/flotilla/hub-ca/ca.crt');
    expect(deployment.spec.template.spec.volumes).toEqual([
      { name: 'hub-ca', configMap: { name: 'edge-flotilla-agent-hub-ca' } },
    ]);
    expect(find(objects, 'ConfigMap').data['ca.crt'].trim()).toBe(pem);
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
    const applied = await dryRunApply(objects, 'agent-ns');
    expect(
      applied.match(/role\.rbac\.authorization\.k8s\.io\/edge-flotilla-agent serverside-applied/g),
    ).toHaveLength(3);
  });

  it('refuses a plain-http hubUrl off loopback unless allowInsecureHub (the agent would refuse it)', async () => {
    const res = await template('flotilla-agent', 'a', 'x', { hubUrl: 'http://hub.example.com' });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('hubUrl is plain http');
    expect(res.stderr).toContain('allowInsecureHub=true');
    const https = await template('flotilla-agent', 'a', 'x', { hubUrl: 'https://hub.example.com' });
    expect(https.code, https.stderr).toBe(0);
    expect(env(find(https.objects, 'Deployment'))).not.toHaveProperty('FLOTILLA_ALLOW_INSECURE_HUB');
  });

  it('a guardrail: its options reach the agent and its namespaces make the RBAC namespaced', async () => {
    const { code, stderr, objects } = await template('flotilla-agent', 'edge', 'agent-ns', {
      hubUrl: 'https://flotilla.example.com',
      guardrail: {
        allowedNamespaces: ['team-a', 'team-b'],
        deniedKinds: ['Secret', 'rbac.authorization.k8s.io/*'],
      },
      sops: { ageKeySecret: 'team-age-key' },
    });
    expect(code, stderr).toBe(0);
    expect(objects.some((o) => o.kind.startsWith('Cluster'))).toBe(false);
    expect(
      objects
        .filter((o) => o.kind === 'Role')
        .map((o) => o.metadata.namespace)
        .sort(),
    ).toEqual(['agent-ns', 'team-a', 'team-b']);
    const e = env(find(objects, 'Deployment'));
    expect(e.FLOTILLA_ALLOWED_NAMESPACES).toBe('team-a,team-b');
    expect(e.FLOTILLA_DENIED_KINDS).toBe('Secret,rbac.authorization.k8s.io/*');
    expect(e.FLOTILLA_SOPS_AGE_KEY_SECRET).toBe('team-age-key');
    expect(e).not.toHaveProperty('FLOTILLA_ALLOW_CLUSTER_SCOPED');

    // cluster-scoped kinds allowed explicitly: the ClusterRole stays (the guardrail still applies)
    const wide = await template('flotilla-agent', 'edge', 'agent-ns', {
      hubUrl: 'https://flotilla.example.com',
      guardrail: { allowedNamespaces: ['team-*'], allowClusterScoped: true },
    });
    expect(wide.code, wide.stderr).toBe(0);
    expect(find(wide.objects, 'ClusterRole')).toBeDefined();
    expect(env(find(wide.objects, 'Deployment')).FLOTILLA_ALLOW_CLUSTER_SCOPED).toBe('true');

    // no guardrail: nothing set, cluster-wide as before
    const none = await template('flotilla-agent', 'edge', 'agent-ns', {
      hubUrl: 'https://flotilla.example.com',
    });
    const plain = env(find(none.objects, 'Deployment'));
    for (const key of [
      'FLOTILLA_ALLOWED_NAMESPACES',
      'FLOTILLA_ALLOW_CLUSTER_SCOPED',
      'FLOTILLA_DENIED_KINDS',
      'FLOTILLA_SOPS_AGE_KEY_SECRET',
    ])
      expect(plain).not.toHaveProperty(key);
  });

  it('refuses guardrail globs as Role namespaces, and an allowClusterScoped that is not a boolean', async () => {
    const globs = await template('flotilla-agent', 'a', 'x', {
      hubUrl: 'https://hub.example.com',
      guardrail: { allowedNamespaces: ['team-*'] },
    });
    expect(globs.code).not.toBe(0);
    expect(globs.stderr).toContain('"team-*" is a glob: list the namespaces in rbac.namespaces');
    const listed = await template('flotilla-agent', 'a', 'x', {
      hubUrl: 'https://hub.example.com',
      guardrail: { allowedNamespaces: ['team-*'] },
      rbac: { namespaces: ['team-a'] },
    });
    expect(listed.code, listed.stderr).toBe(0);
    const bad = await template('flotilla-agent', 'a', 'x', {
      hubUrl: 'https://hub.example.com',
      guardrail: { allowClusterScoped: 'maybe' },
    });
    expect(bad.stderr).toContain('guardrail.allowClusterScoped must be true, false or unset');
  });

  it('refuses namespaced mode without namespaces', async () => {
    const res = await template('flotilla-agent', 'a', 'x', {
      hubUrl: 'https://hub.example.com',
      rbac: { namespaced: true },
    });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('rbac.namespaced needs rbac.namespaces');
  });
});
