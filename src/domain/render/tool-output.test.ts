import { describe, expect, it } from 'vitest';
import { kustomizeRefProblems } from './kustomize-refs.js';
import {
  helmInlineValues,
  helmOutputFiles,
  kubeVersionArgument,
  kustomizeOutputFiles,
  relativeToApplication,
} from './tool-output.js';

const files = (o: Record<string, string>) => new Map(Object.entries(o).map(([k, v]) => [k, Buffer.from(v)]));
const texts = (m: Map<string, Buffer>) => Object.fromEntries([...m].map(([k, v]) => [k, v.toString()]));

describe('helmOutputFiles', () => {
  it('splits the output back into its templates, under the application path', () => {
    const out = Buffer.from(
      [
        '---',
        '# Source: web/crds/crd.yaml',
        'kind: CustomResourceDefinition',
        '',
        '---',
        '# Source: web/templates/a.yaml',
        'kind: A',
        '---',
        'kind: A2',
        '---',
        '# Source: web/charts/db/templates/b.yaml',
        'kind: B',
        '---',
        '# Source: web/templates/notes.txt',
        'kind: C',
        '',
      ].join('\n'),
    );
    expect(texts(helmOutputFiles(out, 'apps/web'))).toEqual({
      'apps/web/crds/crd.yaml': '# Source: web/crds/crd.yaml\nkind: CustomResourceDefinition\n',
      'apps/web/templates/a.yaml': '# Source: web/templates/a.yaml\nkind: A\n---\nkind: A2',
      'apps/web/charts/db/templates/b.yaml': '# Source: web/charts/db/templates/b.yaml\nkind: B',
      'apps/web/templates/notes.txt.yaml': '# Source: web/templates/notes.txt\nkind: C\n',
    });
  });
  it('keeps documents without a source line, and drops empty ones', () => {
    expect(texts(helmOutputFiles(Buffer.from('kind: X\n---\n\n---\n'), ''))).toEqual({
      '(helm output).yaml': 'kind: X',
    });
  });
  it('does not take a source-like line inside a document for a new file', () => {
    const out = Buffer.from('# Source: c/templates/a.yaml\ndata:\n# Source: c/templates/evil.yaml\n');
    expect([...helmOutputFiles(out, 'p').keys()]).toEqual(['p/templates/a.yaml']);
  });
});

describe('kustomizeOutputFiles', () => {
  it('names the output after the overlay', () => {
    expect([...kustomizeOutputFiles(Buffer.from('x'), 'kust', 'overlays/prod').keys()]).toEqual([
      'kust/overlays/prod/(kustomize build).yaml',
    ]);
    expect([...kustomizeOutputFiles(Buffer.from('x'), 'kust', '.').keys()]).toEqual([
      'kust/(kustomize build).yaml',
    ]);
  });
});

describe('relativeToApplication', () => {
  it('keeps only the files under the path, relative to it', () => {
    const m = relativeToApplication(files({ 'a/b/c.yaml': '1', 'a/bc.yaml': '2', 'x.yaml': '3' }), 'a/b');
    expect([...m.keys()]).toEqual(['c.yaml']);
    expect([...relativeToApplication(files({ 'x.yaml': '3' }), '').keys()]).toEqual(['x.yaml']);
  });
});

describe('helmInlineValues', () => {
  const target = { cluster: { name: 'eu-1', labels: { region: 'eu' } }, values: { tier: 'gold' } };
  it('merges the target over the application and substitutes variables', () => {
    expect(
      helmInlineValues(
        { a: { b: 1, c: '${cluster.labels.region}' }, drop: 1 },
        { a: { d: '${values.tier}-${cluster.name}' }, drop: null },
        target,
      ),
    ).toEqual({ ok: true, values: { a: { b: 1, c: 'eu', d: 'gold-eu-1' } } });
  });
  it('names unknown variables', () => {
    expect(helmInlineValues({ x: ['${nope}'] }, undefined, target)).toEqual({
      ok: false,
      message: 'helm values: unknown variable ${nope} (in x[0])',
    });
  });
});

describe('kubeVersionArgument', () => {
  it.each([
    ['v1.31.2', 'v1.31.2'],
    ['1.30', '1.30'],
    ['v1.30.4+k3s1', 'v1.30.4+k3s1'],
    ['unknown', undefined],
    ['v1.31; rm -rf /', undefined],
    [null, undefined],
  ])('%s → %s', (input, expected) => {
    expect(kubeVersionArgument(input)).toBe(expected);
  });
});

describe('kustomizeRefProblems', () => {
  it('follows the overlay to its bases inside the tree and reads nothing else', () => {
    expect(
      kustomizeRefProblems(
        files({
          'overlays/prod/kustomization.yaml':
            'resources:\n  - ../../base\n  - ./extra.yaml\ncomponents: [../../comp]\n',
          'base/kustomization.yml': 'resources: [cm.yaml]\n',
          'comp/Kustomization': 'resources: [../base]\n',
          'overlays/dev/kustomization.yaml': 'resources:\n  - https://example.com/x\n',
          'other.yaml': 'resources:\n  - https://example.com/x\n',
        }),
        'overlays/prod',
      ),
    ).toEqual([]);
  });
  it('names every refused entry and its file, in the bases it reaches too', () => {
    expect(
      kustomizeRefProblems(
        files({
          'kustomization.yaml': 'resources: [o, p, q]\n',
          'o/Kustomization':
            'resources:\n  - ../../x\n  - git@github.com:a/b.git\nbases: [/abs]\nhelmCharts: []\n',
          'p/kustomization.yaml': 'resources: nope\n',
          'q/kustomization.yaml': 'a: [\n',
        }),
      ).sort((a, b) => a.file.localeCompare(b.file)),
    ).toEqual([
      { file: 'o/Kustomization', message: expect.stringMatching(/^helmCharts inflates Helm charts/) },
      {
        file: 'o/Kustomization',
        message: `resources entry "../../x" points outside the application's directory`,
      },
      {
        file: 'o/Kustomization',
        message:
          'resources entry "git@github.com:a/b.git" is a remote reference: the hub builds from the repository only',
      },
      {
        file: 'o/Kustomization',
        message: 'bases entry "/abs" must be a relative path inside the repository',
      },
      { file: 'p/kustomization.yaml', message: 'resources must be a list' },
      { file: 'q/kustomization.yaml', message: expect.stringMatching(/^invalid YAML/) },
    ]);
  });
});
