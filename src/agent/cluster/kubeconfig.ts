/**
 * Reads kubeconfigs and in-cluster service-account credentials into what node:https needs.
 *
 * Hand-written rather than taken from @kubernetes/client-node: importing that library costs the
 * agent ~85 MiB of resident memory for the one thing we used it for, and the agent's budget is
 * 100 MiB in all. Supported: CA/client certificates as data or files, bearer tokens (inline or
 * a token file, re-read so rotated service-account tokens are followed), basic auth, and
 * `insecure-skip-tls-verify`. Exec and auth-provider plugins are refused with a clear message.
 */
import { readFileSync } from 'node:fs';
import { type RequestOptions } from 'node:https';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import type * as Yaml from 'yaml';

/**
 * The YAML parser, loaded on first use: an agent in its cluster reads no kubeconfig, and the
 * library's code and schemas cost it ~3 MiB resident for nothing (issue 24).
 */
function parseKubeconfigYaml(text: string): KubeConfigFile | null {
  return (createRequire(import.meta.url)('yaml') as typeof Yaml).parse(text) as KubeConfigFile | null;
}

/** Where the kubeconfig comes from. */
export type KubeConfigSource = { kubeconfig: string } | { kubeconfigPath: string } | { inCluster: true };

/** An API server address and how to authenticate to it. */
export interface KubeConnection {
  server: URL;
  /** TLS and auth options for one request; cheap, but reads token files (callers cache briefly). */
  httpsOptions(): RequestOptions;
}

/** A kubeconfig the agent cannot use, with the reason. */
export class KubeConfigError extends Error {}

/** Paths of the pod's service-account credentials (overridable for tests). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

type Named<T> = { name?: string } & T;
interface ClusterEntry {
  server?: string;
  'certificate-authority-data'?: string;
  'certificate-authority'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}
interface UserEntry {
  token?: string;
  tokenFile?: string;
  'client-certificate-data'?: string;
  'client-key-data'?: string;
  'client-certificate'?: string;
  'client-key'?: string;
  username?: string;
  password?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
}
interface KubeConfigFile {
  'current-context'?: string;
  clusters?: Named<{ cluster?: ClusterEntry }>[];
  users?: Named<{ user?: UserEntry }>[];
  contexts?: Named<{ context?: { cluster?: string; user?: string } }>[];
}

/** Loads a kubeconfig from a string, a file or the pod's service account. */
export function loadKubeConfig(
  source: KubeConfigSource,
  env: NodeJS.ProcessEnv = process.env,
  saDir = SERVICE_ACCOUNT_DIR,
): KubeConnection {
  if ('inCluster' in source) return inCluster(env, saDir);
  const text = 'kubeconfig' in source ? source.kubeconfig : readFileSync(source.kubeconfigPath, 'utf8');
  const base = 'kubeconfigPath' in source ? dirname(source.kubeconfigPath) : process.cwd();
  return fromKubeconfig(text, base);
}

function fromKubeconfig(text: string, baseDir: string): KubeConnection {
  let doc: KubeConfigFile;
  try {
    doc = parseKubeconfigYaml(text) ?? {};
  } catch (e) {
    throw new KubeConfigError(`kubeconfig is not valid YAML: ${(e as Error).message}`);
  }
  const contextName = doc['current-context'];
  const context =
    doc.contexts?.find((c) => c.name === contextName)?.context ??
    (doc.contexts?.length === 1 ? doc.contexts[0].context : undefined);
  if (!context)
    throw new KubeConfigError(
      `kubeconfig has no current context${contextName ? ` named "${contextName}"` : ''}`,
    );
  const cluster = doc.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster?.server)
    throw new KubeConfigError(`kubeconfig has no cluster "${context.cluster}" with a server`);
  const user = doc.users?.find((u) => u.name === context.user)?.user ?? {};
  if (user.exec || user['auth-provider'])
    throw new KubeConfigError(
      'kubeconfig uses an exec or auth-provider plugin, which the agent does not run: use a token or client certificate, or run in-cluster',
    );
  const file = (p: string) => readFileSync(isAbsolute(p) ? p : join(baseDir, p));
  const data = (b64?: string, path?: string) =>
    b64 ? Buffer.from(b64, 'base64') : path ? file(path) : undefined;
  const ca = data(cluster['certificate-authority-data'], cluster['certificate-authority']);
  const cert = data(user['client-certificate-data'], user['client-certificate']);
  const key = data(user['client-key-data'], user['client-key']);
  const server = new URL(cluster.server);
  return {
    server,
    httpsOptions() {
      const token = user.token ?? (user.tokenFile ? file(user.tokenFile).toString('utf8').trim() : undefined);
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      else if (user.username !== undefined)
        headers.authorization = `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`;
      return {
        ca,
        cert,
        key,
        servername: cluster['tls-server-name'],
        rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
        headers,
      };
    },
  };
}

function inCluster(env: NodeJS.ProcessEnv, saDir: string): KubeConnection {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port)
    throw new KubeConfigError(
      'not running in a cluster: KUBERNETES_SERVICE_HOST/PORT are not set (pass --kubeconfig)',
    );
  const server = new URL(`https://${host.includes(':') ? `[${host}]` : host}:${port}`);
  const ca = readFileSync(join(saDir, 'ca.crt'));
  return {
    server,
    httpsOptions() {
      // Projected service-account tokens rotate: read the file each time credentials are asked for.
      const token = readFileSync(join(saDir, 'token'), 'utf8').trim();
      return { ca, rejectUnauthorized: true, headers: { authorization: `Bearer ${token}` } };
    },
  };
}
