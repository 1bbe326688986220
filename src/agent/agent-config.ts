/**
 * Agent configuration from flags (`--hub-url https://…`) or the environment
 * (`FLOTILLA_HUB_URL`); flags win. Validated once at start so a typo stops the agent with a
 * message instead of failing later.
 */
import { parseArgs } from 'node:util';
import { isInsecureHubUrl } from '../domain/hub-url.js';
import {
  guardrailPolicy,
  isNamespacePattern,
  parseGroupKind,
  type ObjectPolicy,
} from '../domain/object-policy.js';

/** Everything the agent needs to start. */
export interface AgentConfig {
  hubUrl: string;
  /** A plain-http hub URL off loopback was accepted on purpose (`--allow-insecure-hub`). */
  allowInsecureHub: boolean;
  registrationToken: string | null;
  /** Kubeconfig file; null means in-cluster service account. */
  kubeconfigPath: string | null;
  inCluster: boolean;
  /** Namespace of the agent's own objects (inventories, state, credential Secret). */
  namespace: string;
  /** Directory for the credential and desired state when not in-cluster. */
  stateDir: string | null;
  /** Secret holding the credential when in-cluster. */
  credentialSecret: string;
  metricsPort: number;
  logLevel: string;
  pollWaitSeconds: number;
  heartbeatSeconds: number;
  concurrency: number;
  reportBufferSize: number;
  /** Default seconds a gated wave or hook may take to become Current (`flotilla.io/health-timeout` overrides). */
  healthTimeoutSeconds: number;
  /**
   * The cluster owner's install-time guardrail: every object of every job must pass it (and
   * the job's own rules); the hub cannot widen it.
   */
  guardrail: ObjectPolicy;
  /** The Secret holding the cluster's SOPS age key (never sent to the hub). */
  sopsKeySecret: { namespace: string; name: string };
}

/** Every flag and the environment variable it also reads. */
export const AGENT_OPTIONS = {
  'hub-url': { type: 'string', env: 'FLOTILLA_HUB_URL' },
  'allow-insecure-hub': { type: 'boolean', env: 'FLOTILLA_ALLOW_INSECURE_HUB' },
  'registration-token': { type: 'string', env: 'FLOTILLA_REGISTRATION_TOKEN' },
  kubeconfig: { type: 'string', env: 'KUBECONFIG' },
  'in-cluster': { type: 'boolean', env: 'FLOTILLA_IN_CLUSTER' },
  namespace: { type: 'string', env: 'FLOTILLA_AGENT_NAMESPACE' },
  'state-dir': { type: 'string', env: 'FLOTILLA_STATE_DIR' },
  'credential-secret': { type: 'string', env: 'FLOTILLA_CREDENTIAL_SECRET' },
  'metrics-port': { type: 'string', env: 'FLOTILLA_METRICS_PORT' },
  'log-level': { type: 'string', env: 'LOG_LEVEL' },
  'poll-wait': { type: 'string', env: 'FLOTILLA_POLL_WAIT_SECONDS' },
  'heartbeat-interval': { type: 'string', env: 'FLOTILLA_HEARTBEAT_SECONDS' },
  concurrency: { type: 'string', env: 'FLOTILLA_APPLY_CONCURRENCY' },
  'report-buffer': { type: 'string', env: 'FLOTILLA_REPORT_BUFFER' },
  'health-timeout': { type: 'string', env: 'FLOTILLA_HEALTH_TIMEOUT_SECONDS' },
  'allowed-namespaces': { type: 'string', env: 'FLOTILLA_ALLOWED_NAMESPACES' },
  'allow-cluster-scoped': { type: 'boolean', env: 'FLOTILLA_ALLOW_CLUSTER_SCOPED' },
  'denied-kinds': { type: 'string', env: 'FLOTILLA_DENIED_KINDS' },
  'sops-age-key-secret': { type: 'string', env: 'FLOTILLA_SOPS_AGE_KEY_SECRET' },
} as const;

/** A comma list, blanks dropped; undefined when not given. */
function list(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function bool(name: string, text: string | undefined): boolean | null {
  if (text === undefined || text === '') return null;
  if (text === 'true' || text === 'false') return text === 'true';
  throw new Error(`--${name} must be true or false`);
}

/** The guardrail from its three options. @throws Error naming the bad entry. */
function guardrailOf(get: (key: keyof typeof AGENT_OPTIONS) => string | undefined): ObjectPolicy {
  const namespaces = list(get('allowed-namespaces'));
  if (namespaces !== undefined) {
    if (namespaces.length === 0)
      throw new Error('--allowed-namespaces is empty: name at least one namespace (globs allowed)');
    const bad = namespaces.find((n) => !isNamespacePattern(n));
    if (bad)
      throw new Error(
        `--allowed-namespaces: "${bad}" is not a namespace name or glob (e.g. team-a, team-a-*)`,
      );
  }
  let deniedKinds;
  try {
    deniedKinds = (list(get('denied-kinds')) ?? []).map(parseGroupKind);
  } catch (e) {
    throw new Error(`--denied-kinds: ${(e as Error).message}`);
  }
  return guardrailPolicy({
    allowedNamespaces: namespaces ?? null,
    allowClusterScoped: bool('allow-cluster-scoped', get('allow-cluster-scoped')),
    deniedKinds,
  });
}

function int(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** Parses argv and env. @throws Error naming the bad option. */
export function loadAgentConfig(argv: string[], env: NodeJS.ProcessEnv): AgentConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(AGENT_OPTIONS).map(([k, v]) => [k, { type: v.type }])),
      strict: true,
      // `--no-allow-cluster-scoped` says false explicitly
      allowNegative: true,
    }));
  } catch (e) {
    // node's own wording, cut to its first sentence, and where to look instead.
    throw new Error(`${(e as Error).message.split('. ')[0]} (flotilla-agent --help lists the options)`);
  }
  const get = (key: keyof typeof AGENT_OPTIONS): string | undefined => {
    const flag = values[key];
    if (flag !== undefined) return String(flag);
    return env[AGENT_OPTIONS[key].env];
  };
  const hubUrl = get('hub-url');
  if (!hubUrl) throw new Error('--hub-url (or FLOTILLA_HUB_URL) is required');
  if (!/^https?:\/\//.test(hubUrl)) throw new Error('--hub-url must be an http(s) URL');
  const allowInsecureHub = get('allow-insecure-hub') === 'true';
  if (isInsecureHubUrl(hubUrl) && !allowInsecureHub)
    throw new Error(
      `--hub-url ${hubUrl} is plain http to a host other than loopback: the agent's credential and ` +
        'the manifests it applies would cross the network unencrypted. Use an https:// URL, or pass ' +
        '--allow-insecure-hub (FLOTILLA_ALLOW_INSECURE_HUB=true) to accept that deliberately.',
    );
  const inCluster = get('in-cluster') === 'true';
  const kubeconfigPath = inCluster ? null : (get('kubeconfig') ?? null);
  if (!inCluster && !kubeconfigPath)
    throw new Error('--kubeconfig (or KUBECONFIG) or --in-cluster is required');
  const stateDir = get('state-dir') ?? null;
  if (!inCluster && !stateDir) throw new Error('--state-dir is required outside a cluster');
  return {
    hubUrl: hubUrl.replace(/\/+$/, ''),
    allowInsecureHub,
    registrationToken: get('registration-token') ?? null,
    kubeconfigPath,
    inCluster,
    namespace: get('namespace') ?? 'flotilla-system',
    stateDir,
    credentialSecret: get('credential-secret') ?? 'flotilla-agent-credential',
    metricsPort: int('metrics-port', get('metrics-port'), 9464, 0, 65535),
    logLevel: get('log-level') ?? 'info',
    pollWaitSeconds: int('poll-wait', get('poll-wait'), 30, 0, 60),
    heartbeatSeconds: int('heartbeat-interval', get('heartbeat-interval'), 15, 1, 3600),
    concurrency: int('concurrency', get('concurrency'), 8, 1, 64),
    reportBufferSize: int('report-buffer', get('report-buffer'), 1000, 1, 1_000_000),
    healthTimeoutSeconds: int('health-timeout', get('health-timeout'), 300, 1, 86_400),
    guardrail: guardrailOf(get),
    sopsKeySecret: sopsKeySecretOf(get('sops-age-key-secret'), get('namespace') ?? 'flotilla-system'),
  };
}

/** `[NAMESPACE/]NAME` of the SOPS age key Secret; the agent's namespace when none is given. */
function sopsKeySecretOf(
  text: string | undefined,
  agentNamespace: string,
): { namespace: string; name: string } {
  if (text === undefined || text === '') return { namespace: agentNamespace, name: 'flotilla-sops-age' };
  const parts = text.split('/');
  const [namespace, name] = parts.length === 2 ? parts : [agentNamespace, parts[0]];
  const dns = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
  if (parts.length > 2 || !dns.test(namespace) || !dns.test(name))
    throw new Error(`--sops-age-key-secret: "${text}" is not NAME or NAMESPACE/NAME of a Secret`);
  return { namespace, name };
}

/** `flotilla-agent --help`. */
export const AGENT_USAGE = `Usage: flotilla-agent --hub-url URL [options]

Runs inside a cluster (or next to it, with a kubeconfig), applies what the hub hands it and
reports back. Every option also reads the environment variable shown.

  --hub-url URL               FLOTILLA_HUB_URL             the hub (required); https://, or
                                                           http:// to a loopback address
  --allow-insecure-hub        FLOTILLA_ALLOW_INSECURE_HUB  accept a plain http:// hub URL off
                                                           loopback (credential sent unencrypted)
  --registration-token TOKEN  FLOTILLA_REGISTRATION_TOKEN  one-time token, used on first start
  --kubeconfig FILE           KUBECONFIG                   cluster access outside a cluster
  --in-cluster                FLOTILLA_IN_CLUSTER=true     use the pod's service account
  --namespace NS              FLOTILLA_AGENT_NAMESPACE     the agent's own objects (flotilla-system)
  --state-dir DIR             FLOTILLA_STATE_DIR           credential and state outside a cluster
  --credential-secret NAME    FLOTILLA_CREDENTIAL_SECRET   Secret of the credential in-cluster
  --metrics-port N            FLOTILLA_METRICS_PORT        /metrics and /healthz (9464)
  --log-level LEVEL           LOG_LEVEL                    trace … error (info)
  --poll-wait N               FLOTILLA_POLL_WAIT_SECONDS   long-poll seconds, 0-60 (30)
  --heartbeat-interval N      FLOTILLA_HEARTBEAT_SECONDS   seconds between heartbeats (15)
  --concurrency N             FLOTILLA_APPLY_CONCURRENCY   parallel API requests per apply (8)
  --report-buffer N           FLOTILLA_REPORT_BUFFER       reports kept while the hub is away (1000)
  --health-timeout N          FLOTILLA_HEALTH_TIMEOUT_SECONDS  seconds a gated sync wave or hook
                                                           may take to become healthy (300)

Guardrail, the cluster owner's: objects outside it are refused whatever the hub sends.
  --allowed-namespaces LIST   FLOTILLA_ALLOWED_NAMESPACES  namespaces objects may land in, comma
                                                           list, globs allowed (any)
  --allow-cluster-scoped      FLOTILLA_ALLOW_CLUSTER_SCOPED  cluster-scoped kinds (Namespace,
                                                           ClusterRole…) allowed; --no-allow-…
                                                           refuses them (default: allowed unless
                                                           --allowed-namespaces is given)
  --denied-kinds LIST         FLOTILLA_DENIED_KINDS        group/Kind never applied, comma list
                                                           (Secret, rbac.authorization.k8s.io/*)

SOPS: files encrypted for age are decrypted here with a key that never leaves the cluster.
  --sops-age-key-secret [NS/]NAME  FLOTILLA_SOPS_AGE_KEY_SECRET  Secret whose keys.txt holds the
                                                           AGE-SECRET-KEY-1… line(s)
                                                           (<--namespace>/flotilla-sops-age)

  --help, -h                                               this text
  --version, -V                                            the agent's version

A second agent on the same host needs its own --metrics-port (0 picks a free one).
`;
