/**
 * What an operator runs to join a cluster: the plain-YAML agent manifest served by
 * `GET /api/v1/clusters/:idOrName/agent-manifest`, and the `helm` / `kubectl` one-liners
 * returned by `POST /api/v1/clusters`. Pure functions: no IO, no Nest, so they are tested
 * directly and the controller stays thin.
 *
 * The manifest mirrors what `helm/flotilla-agent` renders with the same values (token in a
 * Secret, the agent's memory settings, and RBAC only as wide as the cluster's guardrail:
 * cluster-wide without one, Roles in its namespaces with one), so both ways of joining give the
 * same agent.
 */
import { stringify } from 'yaml';
import { isInsecureHubUrl } from '../../domain/hub-url.js';
import type { ClusterGuardrail } from '../../domain/object-policy.js';

/** Default namespace of the agent, the same as the agent's own default. */
export const DEFAULT_AGENT_NAMESPACE = 'flotilla-system';

/** Name shared by the ServiceAccount, RBAC objects and Deployment. */
const AGENT_NAME = 'flotilla-agent';
/** Secret holding the one-time registration token (the agent stores its credential separately). */
const REGISTRATION_SECRET = 'flotilla-agent-registration';

/** The agent image published for a hub version. */
export function defaultAgentImage(version: string): string {
  return `ghcr.io/flotilla/flotilla-agent:${version}`;
}

/** Everything the agent manifest depends on. */
export interface AgentManifestInput {
  clusterName: string;
  /** URL the agent reaches the hub at (the hub's public URL). */
  hubUrl: string;
  registrationToken: string;
  namespace: string;
  image: string;
  /** The guardrail the agent is installed with; null: none (cluster-wide, everything allowed). */
  guardrail?: ClusterGuardrail | null;
}

type KubeObject = Record<string, unknown>;

/** The Kubernetes objects of an agent install, in apply order (Namespace first). */
export function agentManifestObjects(input: AgentManifestInput): KubeObject[] {
  const labels = {
    'app.kubernetes.io/name': AGENT_NAME,
    'app.kubernetes.io/part-of': 'flotilla',
    'app.kubernetes.io/managed-by': 'flotilla-hub',
  };
  const selector = { 'app.kubernetes.io/name': AGENT_NAME };
  const ns = input.namespace;
  const guardrail = input.guardrail ?? null;
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: AGENT_NAME, namespace: ns, labels } },
    ...rbacObjects(ns, guardrail, labels),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: REGISTRATION_SECRET, namespace: ns, labels },
      type: 'Opaque',
      stringData: { token: input.registrationToken },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: AGENT_NAME,
        namespace: ns,
        labels: { ...labels, 'flotilla.io/cluster': input.clusterName },
      },
      spec: {
        // One agent per cluster: two would apply the same jobs twice.
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...labels } },
          spec: {
            serviceAccountName: AGENT_NAME,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 10001,
              runAsGroup: 10001,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'agent',
                image: input.image,
                imagePullPolicy: 'IfNotPresent',
                env: [
                  { name: 'FLOTILLA_HUB_URL', value: input.hubUrl },
                  // The hub publishes a plain-http URL (FLOTILLA_PUBLIC_URL): its admin chose
                  // that, and an agent refuses such a URL unless told so (docs/agent-protocol.md).
                  ...(isInsecureHubUrl(input.hubUrl)
                    ? [{ name: 'FLOTILLA_ALLOW_INSECURE_HUB', value: 'true' }]
                    : []),
                  { name: 'FLOTILLA_IN_CLUSTER', value: 'true' },
                  ...guardrailEnv(guardrail),
                  {
                    name: 'FLOTILLA_AGENT_NAMESPACE',
                    valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
                  },
                  {
                    name: 'FLOTILLA_REGISTRATION_TOKEN',
                    valueFrom: { secretKeyRef: { name: REGISTRATION_SECRET, key: 'token' } },
                  },
                  // The agent's 100 MiB memory budget assumes both (see src/agent/main.ts).
                  { name: 'MALLOC_ARENA_MAX', value: '2' },
                  { name: 'NODE_OPTIONS', value: '--max-semi-space-size=2 --expose-gc' },
                ],
                ports: [{ name: 'metrics', containerPort: 9464 }],
                livenessProbe: { httpGet: { path: '/healthz', port: 'metrics' }, periodSeconds: 20 },
                resources: {
                  requests: { cpu: '50m', memory: '96Mi' },
                  limits: { memory: '256Mi' },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
              },
            ],
          },
        },
      },
    },
  ];
}

/**
 * RBAC only as wide as the guardrail: without one, or when it allows cluster-scoped kinds, the
 * agent applies whatever the repositories hold (CRDs, RBAC, namespaces) and needs every verb on
 * every resource cluster-wide; with namespaces only, a Role and RoleBinding in each of them and
 * in its own namespace (where it keeps its state) — nothing cluster-wide.
 */
function rbacObjects(
  ns: string,
  guardrail: ClusterGuardrail | null,
  labels: Record<string, string>,
): KubeObject[] {
  const subjects = [{ kind: 'ServiceAccount', name: AGENT_NAME, namespace: ns }];
  const all = { apiGroups: ['*'], resources: ['*'], verbs: ['*'] };
  if (!guardrail || guardrail.allowClusterScoped)
    return [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: AGENT_NAME, labels },
        rules: [all, { nonResourceURLs: ['*'], verbs: ['get'] }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: AGENT_NAME, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: AGENT_NAME },
        subjects,
      },
    ];
  return [...new Set([...guardrail.allowedNamespaces, ns])].flatMap((namespace) => [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: AGENT_NAME, namespace, labels },
      rules: [all],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: AGENT_NAME, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: AGENT_NAME },
      subjects,
    },
  ]);
}

/** The agent's guardrail options (src/agent/agent-config.ts); none without a guardrail. */
function guardrailEnv(guardrail: ClusterGuardrail | null): { name: string; value: string }[] {
  if (!guardrail) return [];
  return [
    { name: 'FLOTILLA_ALLOWED_NAMESPACES', value: guardrail.allowedNamespaces.join(',') },
    { name: 'FLOTILLA_ALLOW_CLUSTER_SCOPED', value: String(guardrail.allowClusterScoped) },
    ...(guardrail.deniedKinds.length
      ? [{ name: 'FLOTILLA_DENIED_KINDS', value: guardrail.deniedKinds.join(',') }]
      : []),
  ];
}

/** The agent manifest as a multi-document YAML stream for `kubectl apply -f -`. */
export function renderAgentManifest(input: AgentManifestInput): string {
  const header =
    `# Flotilla agent for cluster '${input.clusterName}'. Apply with: kubectl apply -f <this file>\n` +
    '# The Secret holds a one-time registration token: it works once, then the agent keeps its own credential.\n';
  return (
    header +
    agentManifestObjects(input)
      .map((o) => '---\n' + stringify(o, { lineWidth: 0 }))
      .join('')
  );
}

/**
 * Quotes a word for a POSIX shell when it needs it. The commands are shown to people who paste
 * them into a shell; the hub itself never runs them.
 */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The commands returned by `POST /api/v1/clusters`. */
export interface JoinCommands {
  helm: string;
  kubectl: string;
}

/**
 * Commands that install the agent of a cluster. `helm` carries the registration token; `kubectl`
 * fetches a manifest with a fresh token (which revokes the one `helm` carries), so an operator
 * uses one or the other.
 */
export function joinCommands(input: {
  clusterName: string;
  hubUrl: string;
  registrationToken: string;
  namespace?: string;
  guardrail?: ClusterGuardrail | null;
}): JoinCommands {
  const g = input.guardrail;
  const ns = input.namespace ?? DEFAULT_AGENT_NAMESPACE;
  const helm = [
    'helm',
    'upgrade',
    '--install',
    'flotilla-agent',
    // The chart ships in the repository (helm/flotilla-agent); no chart repository yet.
    'helm/flotilla-agent',
    '--namespace',
    ns,
    '--create-namespace',
    '--set',
    `hubUrl=${input.hubUrl}`,
    '--set',
    `registrationToken.value=${input.registrationToken}`,
    ...(isInsecureHubUrl(input.hubUrl) ? ['--set', 'allowInsecureHub=true'] : []),
    // the chart makes its RBAC namespaced from these unless cluster-scoped kinds are allowed
    ...(g
      ? [
          '--set',
          `guardrail.allowedNamespaces={${g.allowedNamespaces.join(',')}}`,
          '--set',
          `guardrail.allowClusterScoped=${g.allowClusterScoped}`,
          ...(g.deniedKinds.length ? ['--set', `guardrail.deniedKinds={${g.deniedKinds.join(',')}}`] : []),
        ]
      : []),
  ]
    .map(shellQuote)
    .join(' ');
  const manifestUrl = `${input.hubUrl}/api/v1/clusters/${encodeURIComponent(input.clusterName)}/agent-manifest`;
  const kubectl =
    `curl -fsSL -H "Authorization: Bearer $FLOTILLA_TOKEN" ${shellQuote(manifestUrl)}` +
    ' | kubectl apply -f -';
  return { helm, kubectl };
}
