/**
 * What an operator runs to join a cluster: the plain-YAML agent manifest served by
 * `GET /api/v1/clusters/:idOrName/agent-manifest`, and the `helm` / `kubectl` one-liners
 * returned by `POST /api/v1/clusters`. Pure functions: no IO, no Nest, so they are tested
 * directly and the controller stays thin.
 *
 * The manifest mirrors what `helm/flotilla-agent` renders with its default values (cluster-wide
 * RBAC, token in a Secret, the agent's memory settings), so both ways of joining give the same
 * agent.
 */
import { stringify } from 'yaml';
import { isInsecureHubUrl } from '../../domain/hub-url.js';

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
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: AGENT_NAME, namespace: ns, labels } },
    {
      // The agent applies whatever the fleet's repositories hold (CRDs, RBAC, namespaces), so by
      // default it needs every verb on every resource. The Helm chart has a namespaced mode.
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: AGENT_NAME, labels },
      rules: [
        { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
        { nonResourceURLs: ['*'], verbs: ['get'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: AGENT_NAME, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: AGENT_NAME },
      subjects: [{ kind: 'ServiceAccount', name: AGENT_NAME, namespace: ns }],
    },
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
                  { name: 'NODE_OPTIONS', value: '--max-semi-space-size=2' },
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
}): JoinCommands {
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
  ]
    .map(shellQuote)
    .join(' ');
  const manifestUrl = `${input.hubUrl}/api/v1/clusters/${encodeURIComponent(input.clusterName)}/agent-manifest`;
  const kubectl =
    `curl -fsSL -H "Authorization: Bearer $FLOTILLA_TOKEN" ${shellQuote(manifestUrl)}` +
    ' | kubectl apply -f -';
  return { helm, kubectl };
}
