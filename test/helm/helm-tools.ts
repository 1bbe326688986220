import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { type K8sTestCluster } from '../support/k8s/k8s-test-environment.js';

/** Exit code and output of a finished command. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command (argument array, no shell), optionally feeding `input` on stdin. */
export function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}) {
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** Like {@link run}, but throws with the command's stderr when it fails. */
export async function runOk(
  cmd: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv } = {},
) {
  const res = await run(cmd, args, opts);
  if (res.code !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${String(res.code)}):\n${res.stderr}`);
  return res.stdout;
}

/** A Kubernetes object as rendered. */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: any;
};

/** Parses a multi-document YAML stream, dropping empty documents. */
export function parseManifests(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length) throw new Error(d.errors.map((e) => e.message).join('; '));
      return d.toJS() as KubeObject | null;
    })
    .filter((o): o is KubeObject => o !== null);
}

/** kubectl bound to one test cluster, with its own kubeconfig file and discovery cache. */
export class Kubectl {
  private constructor(
    readonly bin: string,
    readonly kubeconfigPath: string,
    private readonly dir: string,
  ) {}

  static async forCluster(bin: string, cluster: K8sTestCluster): Promise<Kubectl> {
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-helm-test-'));
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, cluster.kubeconfig, { mode: 0o600 });
    return new Kubectl(bin, kubeconfigPath, dir);
  }

  /** Runs kubectl; a fresh discovery cache per cluster, so a just-created CRD is seen. */
  run(args: string[], input?: string): Promise<RunResult> {
    return run(
      this.bin,
      ['--kubeconfig', this.kubeconfigPath, '--cache-dir', join(this.dir, 'cache'), ...args],
      {
        input,
      },
    );
  }

  async ok(args: string[], input?: string): Promise<string> {
    const res = await this.run(args, input);
    if (res.code !== 0)
      throw new Error(`kubectl ${args.join(' ')} failed (${String(res.code)}):\n${res.stderr}`);
    return res.stdout;
  }

  /** Creates namespaces that do not exist yet (server-side apply is idempotent). */
  async ensureNamespaces(...names: string[]): Promise<void> {
    const docs = names.map((n) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${n}\n`).join('---\n');
    await this.ok(['apply', '--server-side', '--field-manager', 'flotilla-test', '-f', '-'], docs);
  }

  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A ServiceMonitor CRD with the real group/version/kind and an open schema: enough to validate against. */
export const SERVICE_MONITOR_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: servicemonitors.monitoring.coreos.com
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names:
    kind: ServiceMonitor
    listKind: ServiceMonitorList
    plural: servicemonitors
    singular: servicemonitor
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`;
