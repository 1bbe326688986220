/**
 * Joining a cluster the two ways `POST /api/v1/clusters` offers: the agent manifest from
 * `GET …/agent-manifest` applied for real with kubectl, and the `join.helm` command run as
 * printed against a real API server.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureHelm } from '../support/helm-binary.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { Kubectl, parseManifests, runOk } from './helm-tools.js';

const PUBLIC_URL = 'https://flotilla.example.com';

let h: TestHub;
let helm: string;
let kubectl1: Kubectl;
let kubectl2: Kubectl;

beforeAll(async () => {
  helm = await ensureHelm();
  const clusters = inject('k8sClusters');
  const bin = join(inject('k8sBinaryDir'), 'kubectl');
  kubectl1 = await Kubectl.forCluster(bin, clusters[0]);
  kubectl2 = await Kubectl.forCluster(bin, clusters[1]);
  h = await startTestHub(inject('postgresUrl'), { FLOTILLA_PUBLIC_URL: `${PUBLIC_URL}/` });
}, 600_000);

afterAll(async () => {
  await h?.close();
  await kubectl1?.close();
  await kubectl2?.close();
});

/** The registration endpoint's verdict on a token: 201 while it is live, 401 once it is dead. */
async function registerStatus(token: string): Promise<number> {
  const res = await h.api('POST', '/api/v1/agent/register', {
    token: null,
    body: { registrationToken: token, agentVersion: 'test' },
  });
  return res.status;
}

describe('joining a cluster', () => {
  it('POST /api/v1/clusters answers with a helm and a kubectl command on the public URL', async () => {
    const res = await h.api('POST', '/api/v1/clusters', { body: { name: 'edge-1' } });
    expect(res.status).toBe(201);
    const token = res.body.registration.token as string;
    expect(res.body.join.helm).toBe(
      'helm upgrade --install flotilla-agent helm/flotilla-agent --namespace flotilla-system --create-namespace ' +
        `--set hubUrl=${PUBLIC_URL} --set registrationToken.value=${token}`,
    );
    expect(res.body.join.kubectl).toBe(
      `curl -fsSL -H "Authorization: Bearer $FLOTILLA_TOKEN" ${PUBLIC_URL}/api/v1/clusters/edge-1/agent-manifest` +
        ' | kubectl apply -f -',
    );
  });

  it('the agent manifest carries a fresh token (the old one dies), is audited, and applies for real', async () => {
    const created = await h.api('POST', '/api/v1/clusters', {
      body: { name: 'edge-2', labels: { env: 'test' } },
    });
    const firstToken = created.body.registration.token as string;
    const operator = await h.token('operator', 'ops');

    const res = await h.api('GET', '/api/v1/clusters/edge-2/agent-manifest', { token: operator });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/yaml/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const objects = parseManifests(res.text);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/flotilla-system',
      'ServiceAccount/flotilla-agent',
      'ClusterRole/flotilla-agent',
      'ClusterRoleBinding/flotilla-agent',
      'Secret/flotilla-agent-registration',
      'Deployment/flotilla-agent',
    ]);
    const secret = objects.find((o) => o.kind === 'Secret')!;
    const token = secret.stringData.token as string;
    expect(token).toMatch(/^fltreg_/);
    expect(token).not.toBe(firstToken);
    const container = objects.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0];
    expect(container.image).toBe('ghcr.io/flotilla/flotilla-agent:0.1.0');
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'FLOTILLA_HUB_URL', value: PUBLIC_URL },
        { name: 'MALLOC_ARENA_MAX', value: '2' },
        { name: 'NODE_OPTIONS', value: '--max-semi-space-size=2 --expose-gc' },
      ]),
    );

    const audit = await h.api('GET', '/api/v1/audit?action=cluster.registration-token-issued&limit=5');
    expect(audit.body.items[0]).toMatchObject({
      action: 'cluster.registration-token-issued',
      actor: { type: 'token', name: 'ops' },
      details: { name: 'edge-2', via: 'agent-manifest' },
    });

    await runOkApply(kubectl1, res.text);
    const names = await kubectl1.ok([
      'get',
      '-n',
      'flotilla-system',
      'namespace/flotilla-system',
      'serviceaccount/flotilla-agent',
      'secret/flotilla-agent-registration',
      'deployment/flotilla-agent',
      'clusterrole/flotilla-agent',
      'clusterrolebinding/flotilla-agent',
      '-o',
      'name',
    ]);
    expect(names.trim().split('\n')).toEqual([
      'namespace/flotilla-system',
      'serviceaccount/flotilla-agent',
      'secret/flotilla-agent-registration',
      'deployment.apps/flotilla-agent',
      'clusterrole.rbac.authorization.k8s.io/flotilla-agent',
      'clusterrolebinding.rbac.authorization.k8s.io/flotilla-agent',
    ]);
    // The ServiceAccount really may do what the agent does (apply anywhere, keep its state).
    const can = await kubectl1.ok([
      'auth',
      'can-i',
      'create',
      'deployments',
      '-n',
      'anywhere',
      '--as',
      'system:serviceaccount:flotilla-system:flotilla-agent',
    ]);
    expect(can.trim()).toBe('yes');

    // The token in the manifest is the live one; the one POST returned is dead.
    expect(await registerStatus(firstToken)).toBe(401);
    expect(await registerStatus(token)).toBe(201);
  });

  it('a cluster registered with a guardrail: the applied manifest grants nothing beyond it', async () => {
    await kubectl1.ensureNamespaces('guarded-team', 'guarded-agent');
    const created = await h.api('POST', '/api/v1/clusters', {
      body: { name: 'edge-guarded', guardrail: { allowedNamespaces: ['guarded-team'] } },
    });
    expect(created.status, created.text).toBe(201);
    const res = await h.api('GET', '/api/v1/clusters/edge-guarded/agent-manifest?namespace=guarded-agent');
    expect(res.status, res.text).toBe(200);
    const objects = parseManifests(res.text);
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}`)).toEqual([
      'Namespace/',
      'ServiceAccount/guarded-agent',
      'Role/guarded-team',
      'RoleBinding/guarded-team',
      'Role/guarded-agent',
      'RoleBinding/guarded-agent',
      'Secret/guarded-agent',
      'Deployment/guarded-agent',
    ]);
    expect(objects.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].env).toEqual(
      expect.arrayContaining([
        { name: 'FLOTILLA_ALLOWED_NAMESPACES', value: 'guarded-team' },
        { name: 'FLOTILLA_ALLOW_CLUSTER_SCOPED', value: 'false' },
      ]),
    );
    await runOkApply(kubectl1, res.text);
    // what the API server now lets the agent's ServiceAccount do
    const can = async (...args: string[]) =>
      (
        await kubectl1.run([
          'auth',
          'can-i',
          ...args,
          '--as',
          'system:serviceaccount:guarded-agent:flotilla-agent',
        ])
      ).stdout.trim();
    expect(await can('create', 'configmaps', '-n', 'guarded-team')).toBe('yes');
    expect(await can('create', 'configmaps', '-n', 'guarded-agent')).toBe('yes');
    expect(await can('create', 'configmaps', '-n', 'kube-system')).toBe('no');
    expect(await can('create', 'clusterrolebindings')).toBe('no');
  });

  it('takes a namespace and an image; refuses viewers, bad input and unknown clusters', async () => {
    await h.api('POST', '/api/v1/clusters', { body: { name: 'edge-3' } });
    const res = await h.api(
      'GET',
      '/api/v1/clusters/edge-3/agent-manifest?namespace=fleet&image=registry.local/agent:1.2',
    );
    expect(res.status).toBe(200);
    const objects = parseManifests(res.text);
    expect(objects[0]).toMatchObject({ kind: 'Namespace', metadata: { name: 'fleet' } });
    expect(objects.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].image).toBe(
      'registry.local/agent:1.2',
    );
    const viewer = await h.token('viewer', 'looker');
    expect((await h.api('GET', '/api/v1/clusters/edge-3/agent-manifest', { token: viewer })).status).toBe(
      403,
    );
    expect((await h.api('GET', '/api/v1/clusters/edge-3/agent-manifest?namespace=Not_A_Label')).status).toBe(
      400,
    );
    expect((await h.api('GET', '/api/v1/clusters/edge-3/agent-manifest?image=a%20b')).status).toBe(400);
    expect((await h.api('GET', '/api/v1/clusters/nope/agent-manifest')).status).toBe(404);
  });

  it('the printed helm command installs the agent chart in a real cluster', async () => {
    const res = await h.api('POST', '/api/v1/clusters', { body: { name: 'edge-4' } });
    // The command is for a shell; it has no quotes or spaces inside words, so splitting on
    // spaces gives the arguments a shell would.
    const [cmd, ...args] = (res.body.join.helm as string).split(' ');
    expect(cmd).toBe('helm');
    await runOk(helm, [...args, '--kubeconfig', kubectl2.kubeconfigPath]);
    const secret = await kubectl2.ok([
      'get',
      '-n',
      'flotilla-system',
      'secret/flotilla-agent-registration',
      '-o',
      'jsonpath={.data.token}',
    ]);
    expect(Buffer.from(secret, 'base64').toString()).toBe(res.body.registration.token);
    const deployment = JSON.parse(
      await kubectl2.ok(['get', '-n', 'flotilla-system', 'deployment/flotilla-agent', '-o', 'json']),
    );
    expect(deployment.spec.template.spec.containers[0].env).toEqual(
      expect.arrayContaining([{ name: 'FLOTILLA_HUB_URL', value: PUBLIC_URL }]),
    );
    expect(await kubectl2.ok(['get', 'clusterrolebinding/flotilla-agent', '-o', 'name'])).toContain(
      'flotilla-agent',
    );
  });
});

async function runOkApply(kubectl: Kubectl, manifest: string): Promise<void> {
  await kubectl.ok(['apply', '--server-side', '--field-manager', 'flotilla-test', '-f', '-'], manifest);
}
