import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadHubConfig } from '../config/hub-config.js';
import { joinCommands, renderAgentManifest, shellQuote } from './agent-manifest.js';

describe('agent manifest', () => {
  const yaml = renderAgentManifest({
    clusterName: 'edge-1',
    hubUrl: 'https://hub.example.com',
    registrationToken: 'fltreg_abc',
    namespace: 'fleet',
    image: 'registry.local/agent:1',
  });
  const objects = parseAllDocuments(yaml).map((d) => d.toJS() as Record<string, any>);

  it('namespaces every namespaced object and binds the ServiceAccount of that namespace', () => {
    for (const o of objects.filter(
      (x) => !['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(x.kind),
    ))
      expect(o.metadata.namespace, o.kind).toBe('fleet');
    const binding = objects.find((o) => o.kind === 'ClusterRoleBinding')!;
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'flotilla-agent', namespace: 'fleet' },
    ]);
  });

  it('runs the agent in-cluster with its token from the Secret and its memory settings', () => {
    const env = objects.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'FLOTILLA_IN_CLUSTER', value: 'true' });
    expect(env).toContainEqual({
      name: 'FLOTILLA_REGISTRATION_TOKEN',
      valueFrom: { secretKeyRef: { name: 'flotilla-agent-registration', key: 'token' } },
    });
    expect(env).toContainEqual({ name: 'MALLOC_ARENA_MAX', value: '2' });
    expect(env).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-semi-space-size=2 --expose-gc' });
  });
});

describe('a plain-http hub URL', () => {
  const env = (hubUrl: string) =>
    parseAllDocuments(
      renderAgentManifest({ clusterName: 'c', hubUrl, registrationToken: 't', namespace: 'n', image: 'i' }),
    )
      .map((d) => d.toJS() as Record<string, any>)
      .find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].env as { name: string }[];

  it('off loopback, the manifest and the helm command say so explicitly (the agent refuses it otherwise)', () => {
    expect(env('http://10.0.0.1:8080')).toContainEqual({
      name: 'FLOTILLA_ALLOW_INSECURE_HUB',
      value: 'true',
    });
    for (const url of ['https://hub.example.com', 'http://127.0.0.1:8080']) {
      expect(env(url).map((e) => e.name)).not.toContain('FLOTILLA_ALLOW_INSECURE_HUB');
      expect(joinCommands({ clusterName: 'c', hubUrl: url, registrationToken: 't' }).helm).not.toContain(
        'allowInsecureHub',
      );
    }
  });
});

describe('join commands', () => {
  it('quotes only what a shell would misread', () => {
    expect(shellQuote('https://hub:8443/x')).toBe('https://hub:8443/x');
    expect(shellQuote("a b'c")).toBe(`'a b'\\''c'`);
    expect(shellQuote('$(rm -rf /)')).toBe(`'$(rm -rf /)'`);
  });

  it('puts the hub URL and token in the helm command and the manifest URL in the kubectl one', () => {
    const join = joinCommands({
      clusterName: 'edge-1',
      hubUrl: 'http://10.0.0.1:8080',
      registrationToken: 'fltreg_x',
    });
    expect(join.helm).toContain(
      '--set hubUrl=http://10.0.0.1:8080 --set registrationToken.value=fltreg_x --set allowInsecureHub=true',
    );
    expect(join.kubectl).toContain(
      'http://10.0.0.1:8080/api/v1/clusters/edge-1/agent-manifest | kubectl apply -f -',
    );
  });
});

describe('FLOTILLA_PUBLIC_URL', () => {
  it('defaults to null (the listening address) and drops a trailing slash', () => {
    expect(loadHubConfig({}).publicUrl).toBeNull();
    expect(loadHubConfig({ FLOTILLA_PUBLIC_URL: 'https://hub.example.com/flotilla/' }).publicUrl).toBe(
      'https://hub.example.com/flotilla',
    );
  });

  it.each(['hub.example.com', 'ftp://hub', 'https://u:p@hub', 'https://hub/?x=1'])('refuses %s', (url) => {
    expect(() => loadHubConfig({ FLOTILLA_PUBLIC_URL: url })).toThrow(/FLOTILLA_PUBLIC_URL/);
  });
});

describe('a cluster registered with a guardrail', () => {
  const objectsOf = (guardrail: Parameters<typeof renderAgentManifest>[0]['guardrail']) =>
    parseAllDocuments(
      renderAgentManifest({
        clusterName: 'edge-1',
        hubUrl: 'https://hub.example.com',
        registrationToken: 'fltreg_abc',
        namespace: 'fleet',
        image: 'registry.local/agent:1',
        guardrail,
      }),
    ).map((d) => d.toJS() as Record<string, any>);
  const envOf = (objects: Record<string, any>[]) =>
    objects.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].env as {
      name: string;
      value?: string;
    }[];

  it('gets Roles in its namespaces and its own only, and the agent its options', () => {
    const objects = objectsOf({
      allowedNamespaces: ['team-a', 'team-b'],
      allowClusterScoped: false,
      deniedKinds: ['Secret'],
    });
    expect(objects.some((o) => o.kind.startsWith('Cluster'))).toBe(false);
    const where = (kind: string) => objects.filter((o) => o.kind === kind).map((o) => o.metadata.namespace);
    expect(where('Role')).toEqual(['team-a', 'team-b', 'fleet']);
    expect(where('RoleBinding')).toEqual(['team-a', 'team-b', 'fleet']);
    const env = envOf(objects);
    expect(env).toContainEqual({ name: 'FLOTILLA_ALLOWED_NAMESPACES', value: 'team-a,team-b' });
    expect(env).toContainEqual({ name: 'FLOTILLA_ALLOW_CLUSTER_SCOPED', value: 'false' });
    expect(env).toContainEqual({ name: 'FLOTILLA_DENIED_KINDS', value: 'Secret' });
  });

  it('keeps cluster-wide RBAC when it allows cluster-scoped kinds; none: as before', () => {
    const wide = objectsOf({ allowedNamespaces: ['team-a'], allowClusterScoped: true, deniedKinds: [] });
    expect(wide.map((o) => o.kind)).toContain('ClusterRoleBinding');
    expect(envOf(wide)).toContainEqual({ name: 'FLOTILLA_ALLOW_CLUSTER_SCOPED', value: 'true' });
    const none = objectsOf(null);
    expect(none.map((o) => o.kind)).toContain('ClusterRole');
    expect(envOf(none).map((e) => e.name)).not.toContain('FLOTILLA_ALLOWED_NAMESPACES');
  });

  it('is in the helm command', () => {
    const { helm } = joinCommands({
      clusterName: 'edge-1',
      hubUrl: 'https://hub.example.com',
      registrationToken: 'fltreg_abc',
      guardrail: {
        allowedNamespaces: ['team-a', 'team-b'],
        allowClusterScoped: false,
        deniedKinds: ['Secret'],
      },
    });
    expect(helm).toContain(
      "--set 'guardrail.allowedNamespaces={team-a,team-b}' --set guardrail.allowClusterScoped=false --set 'guardrail.deniedKinds={Secret}'",
    );
  });
});
