import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHub } from '../support/hub-harness.js';
import type { VcsFixture } from '../support/vcs-fixtures.js';
import { addGitRepo, type CliSession, startHubWithCli } from './cli-harness.js';

// `flotilla app create --source …` and `app get` against a real hub. Targets select no cluster:
// these tests are about what the CLI sends and shows, not how each kind renders.

const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: "1"\n';

let h: TestHub;
let cli: CliSession;
let fx: VcsFixture;

const createArgs = (name: string, ...extra: string[]) => [
  'app',
  'create',
  name,
  '--repo',
  'fleet',
  '--path',
  'apps/web',
  '--selector',
  'env=nowhere',
  ...extra,
];

beforeAll(async () => {
  ({ h, cli } = await startHubWithCli());
  ({ fx } = await addGitRepo(cli, 'fleet', { 'apps/web/cm.yaml': CM }));
});
afterAll(async () => {
  await h?.close();
  await cli?.close();
  await fx?.close();
});

describe('flotilla app create --source', () => {
  it('helm: release name, repository values files and inline values from a local file', async () => {
    const local = join(cli.dir, 'web-values.yaml');
    await writeFile(local, 'replicas: 3\nimage:\n  tag: v2\n');
    await cli.ok(
      createArgs(
        'web',
        '--source',
        'helm',
        '--release-name',
        'web-rel',
        '--helm-values',
        'values.yaml',
        '--helm-values',
        'values-prod.yaml',
        '--helm-set-file',
        local,
      ),
    );
    const app = (await h.api('GET', '/api/v1/applications/web')).body;
    expect(app.source).toEqual({
      kind: 'helm',
      helm: {
        releaseName: 'web-rel',
        valuesFiles: ['values.yaml', 'values-prod.yaml'],
        values: { replicas: 3, image: { tag: 'v2' } },
      },
    });
    const get = await cli.ok(['app', 'get', 'web']);
    expect(get).toMatch(/^source:\s+helm$/m);
    expect(get).toMatch(/^release name:\s+web-rel$/m);
    expect(get).toMatch(/^values files:\s+values\.yaml, values-prod\.yaml$/m);
    // As the hub returns them (Postgres jsonb orders keys): the same values, one line.
    expect(get).toMatch(/^inline values:\s+\{"image":\{"tag":"v2"\},"replicas":3\}$/m);
    expect((await cli.json(['app', 'get', 'web'])).source).toEqual(app.source);
  });

  it('--kustomize-path implies kustomize; no source option leaves it detected', async () => {
    await cli.ok(createArgs('shop', '--kustomize-path', 'overlays/${cluster.labels.env}'));
    expect((await h.api('GET', '/api/v1/applications/shop')).body.source).toEqual({
      kind: 'kustomize',
      kustomize: { path: 'overlays/${cluster.labels.env}' },
    });
    expect(await cli.ok(['app', 'get', 'shop'])).toMatch(
      /^source:\s+kustomize\n(.*\n)*kustomize path:\s+overlays\/\$\{cluster\.labels\.env\}$/m,
    );
    await cli.ok(createArgs('plain'));
    expect((await h.api('GET', '/api/v1/applications/plain')).body.source).toBeNull();
    expect(await cli.ok(['app', 'get', 'plain'])).toMatch(/^source:\s+detected from the files$/m);
  });

  it('bad options are refused: by the CLI before sending, or by the hub naming the field', async () => {
    const kind = await cli.run(createArgs('bad-kind', '--source', 'jsonnet'));
    expect(kind).toMatchObject({
      code: 2,
      stderr: "flotilla: --source: 'jsonnet' is not one of helm, kustomize, manifests\n",
    });
    const list = join(cli.dir, 'list.yaml');
    await writeFile(list, '- a\n- b\n');
    const notMap = await cli.run(createArgs('bad-file', '--helm-set-file', list));
    expect(notMap).toMatchObject({ code: 2 });
    expect(notMap.stderr).toContain('must hold a mapping of values');
    const missing = await cli.run(createArgs('bad-file', '--helm-set-file', join(cli.dir, 'nope.yaml')));
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toContain('--helm-set-file: cannot read');
    const escape = await cli.run(createArgs('bad-path', '--helm-values', '../secrets.yaml'));
    expect(escape.code).toBe(1);
    expect(escape.stderr).toContain('source.helm.valuesFiles[0] must not contain ".." segments');
    const mixed = await cli.run(createArgs('bad-mix', '--source', 'kustomize', '--release-name', 'x'));
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain('source.helm is only allowed with kind helm');
    for (const name of ['bad-kind', 'bad-file', 'bad-path', 'bad-mix'])
      expect((await h.api('GET', `/api/v1/applications/${name}`)).status).toBe(404);
  });
});

describe('flotilla app apply with a source', () => {
  it('applies a source and per-target helm values, shows them, and a spec without source detects again', async () => {
    const spec = (source: string) =>
      `name: chart\nrepositoryId: fleet\npath: apps/web\n${source}targets:\n  - clusterSelector: env=nowhere\n    helm:\n      valuesFiles: [eu.yaml]\n      values: {region: eu}\nsyncPolicy: {automated: false, prune: false, selfHeal: false}\n`;
    const withSource = spec('source:\n  kind: helm\n  helm: {releaseName: chart}\n');
    expect(await cli.ok(['app', 'apply', '-f', '-'], { input: withSource })).toBe(
      'application chart created\n',
    );
    expect(await cli.ok(['app', 'apply', '-f', '-'], { input: withSource })).toBe(
      'application chart unchanged\n',
    );
    const get = await cli.ok(['app', 'get', 'chart']);
    expect(get).toMatch(/^source:\s+helm$/m);
    expect(get).toMatch(/^helm values:\s+files eu\.yaml values \{"region":"eu"\}$/m);
    expect(await cli.ok(['app', 'apply', '-f', '-'], { input: spec('') })).toBe(
      'application chart configured\n',
    );
    expect((await h.api('GET', '/api/v1/applications/chart')).body.source).toBeNull();
  });
});
