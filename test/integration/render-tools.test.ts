import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  helmTemplateArgs,
  kustomizeBuildArgs,
  type ToolInvocation,
} from '../../src/domain/render/source-spec.js';
import { ensureHelm } from '../support/helm-binary.js';
import { ensureKustomize } from '../support/kustomize-binary.js';

const run = promisify(execFile);

/**
 * The argument lists the domain builds (source-spec.ts), run by the REAL helm and kustomize built
 * from their Go modules: what renders, and that the hostile kustomizations are refused by the
 * flags themselves (root-only loader, no exec plugins). The hub-side runner (issue 15, later slice)
 * adds the temp copy, clean environment, limits and cache on top of exactly these arguments.
 */
let root: string;
const bins: Record<ToolInvocation['tool'], string> = { helm: '', kustomize: '' };

async function write(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

async function runTool({ tool, args }: ToolInvocation): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout } = await run(bins[tool], args, {
      cwd: root,
      timeout: 60_000,
      env: {
        PATH: '/usr/bin:/bin',
        HOME: root,
        HELM_CACHE_HOME: join(root, '.h/cache'),
        HELM_CONFIG_HOME: join(root, '.h/config'),
        HELM_DATA_HOME: join(root, '.h/data'),
      },
    });
    return { ok: true, out: stdout };
  } catch (error) {
    return { ok: false, out: String((error as { stderr?: string }).stderr ?? error) };
  }
}

beforeAll(async () => {
  [bins.helm, bins.kustomize] = await Promise.all([ensureHelm(), ensureKustomize()]);
  root = await mkdtemp(join(tmpdir(), 'flotilla-render-tools-'));
  await write({
    'chart/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
    'chart/values.yaml': 'replicas: 1\nimage: nginx\n',
    'chart/values-prod.yaml': 'replicas: 3\n',
    'chart/templates/deploy.yaml':
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n  namespace: {{ .Release.Namespace }}\nspec:\n  replicas: {{ .Values.replicas }}\n  template:\n    spec:\n      containers:\n        - name: web\n          image: {{ .Values.image }}\n',
    'broken/Chart.yaml': 'apiVersion: v2\nname: broken\nversion: 0.1.0\n',
    'broken/templates/x.yaml': 'kind: ConfigMap\nmetadata:\n  name: {{ .Values.name | nosuchfunc }}\n',
    'kust/base/kustomization.yaml': 'resources:\n  - cm.yaml\n',
    'kust/base/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  env: base\n',
    'kust/overlays/prod/kustomization.yaml': 'resources:\n  - ../../base\nnamePrefix: prod-\n',
    'outside.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: stolen\n',
    'kust/escape/kustomization.yaml': 'resources:\n  - ../../outside.yaml\n',
    'kust/exec/kustomization.yaml': 'generators:\n  - gen.yaml\n',
    'kust/exec/gen.yaml':
      'apiVersion: example.com/v1\nkind: Exec\nmetadata:\n  name: x\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: /bin/sh\n',
  });
}, 600_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('helm template with the domain arguments', () => {
  it('renders the chart with values files in order and the namespace', async () => {
    const result = await runTool(
      helmTemplateArgs({
        releaseName: 'shop',
        chartDir: 'chart',
        namespace: 'web',
        valuesFiles: ['chart/values-prod.yaml'],
        kubeVersion: 'v1.31.0',
      }),
    );
    expect(result.ok).toBe(true);
    expect(result.out).toContain('name: shop');
    expect(result.out).toContain('namespace: web');
    expect(result.out).toContain('replicas: 3');
  });
  it('reports a template error naming the chart file', async () => {
    const result = await runTool(
      helmTemplateArgs({ releaseName: 'b', chartDir: 'broken', namespace: 'n', valuesFiles: [] }),
    );
    expect(result.ok).toBe(false);
    expect(result.out).toMatch(/nosuchfunc/);
    expect(result.out).toContain('templates/x.yaml');
  });
});

describe('kustomize build with the domain arguments', () => {
  it('builds an overlay over a base inside the root', async () => {
    const result = await runTool(kustomizeBuildArgs('kust/overlays/prod'));
    expect(result.ok).toBe(true);
    expect(result.out).toContain('name: prod-settings');
  });
  it('refuses a resource outside the kustomization root', async () => {
    const result = await runTool(kustomizeBuildArgs('kust/escape'));
    expect(result.ok).toBe(false);
    expect(result.out).toMatch(/security; file .* is not in or below/);
    expect(result.out).not.toContain('stolen');
  });
  it('refuses an exec function plugin', async () => {
    const result = await runTool(kustomizeBuildArgs('kust/exec'));
    expect(result.ok).toBe(false);
    expect(result.out).toContain('external plugins disabled');
  });
});
