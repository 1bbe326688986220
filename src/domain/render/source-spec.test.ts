import { describe, expect, it } from 'vitest';
import {
  detectSourceKind,
  helmTemplateArgs,
  isRemoteKustomizeResource,
  kustomizeBuildArgs,
  relativePathProblem,
  renderCacheKey,
  resolveKustomizePath,
  rewriteToolMessage,
  sourceProblems,
  type RenderCacheKeyInput,
} from './source-spec.js';

describe('detectSourceKind', () => {
  it.each([
    [['Chart.yaml', 'values.yaml', 'templates/a.yaml'], 'helm'],
    [['kustomization.yaml', 'deploy.yaml'], 'kustomize'],
    [['kustomization.yml'], 'kustomize'],
    [['Kustomization'], 'kustomize'],
    [['kustomization.yaml', 'Chart.yaml'], 'helm'],
    [['deploy.yaml', 'sub/Chart.yaml', 'sub/kustomization.yaml'], 'manifests'],
    [[], 'manifests'],
  ])('%j is %s', (paths, kind) => {
    expect(detectSourceKind(paths)).toBe(kind);
  });
});

describe('relativePathProblem', () => {
  it.each(['values.yaml', 'env/prod.yaml', 'overlays/eu/'])('accepts %s', (p) => {
    expect(relativePathProblem(p)).toBeUndefined();
  });
  it.each([
    ['', 'empty'],
    ['/etc/passwd', 'relative'],
    ['../secrets.yaml', '..'],
    ['a/../../b', '..'],
    ['a//b', 'empty segments'],
    ['a\\b', 'separator'],
    ['a\0b', 'NUL'],
  ])('refuses %j', (p, why) => {
    expect(relativePathProblem(p)).toContain(why);
  });
});

describe('sourceProblems', () => {
  it('accepts a full helm source and a templated kustomize path', () => {
    expect(
      sourceProblems({
        kind: 'helm',
        helm: { releaseName: 'web', valuesFiles: ['values-prod.yaml'], values: { a: 1 } },
      }),
    ).toEqual([]);
    expect(
      sourceProblems({ kind: 'kustomize', kustomize: { path: 'overlays/${cluster.labels.env}' } }),
    ).toEqual([]);
  });
  it('names each bad field', () => {
    const problems = sourceProblems({
      kind: 'helm',
      helm: {
        releaseName: 'Web_1',
        valuesFiles: ['ok.yaml', '../x.yaml'],
        values: [] as unknown as Record<string, unknown>,
      },
      kustomize: { path: '/abs' },
    });
    expect(problems).toEqual([
      'source.kustomize is only allowed with kind kustomize',
      'source.helm.releaseName must be a DNS-1123 label of at most 53 characters',
      'source.helm.valuesFiles[1] must not contain ".." segments',
      'source.helm.values must be an object',
      'source.kustomize.path must be relative to the application path',
    ]);
  });
  it('refuses unknown kinds and non-label placeholders', () => {
    expect(sourceProblems({ kind: 'jsonnet' as 'helm' })[0]).toContain('source.kind must be one of');
    expect(sourceProblems({ kind: 'kustomize', kustomize: { path: 'overlays/${values.env}' } })).toEqual([
      'source.kustomize.path may only use ${cluster.labels.KEY} placeholders',
    ]);
  });
});

describe('resolveKustomizePath', () => {
  it('substitutes cluster labels', () => {
    expect(resolveKustomizePath('overlays/${cluster.labels.env}', { env: 'prod' })).toEqual({
      ok: true,
      path: 'overlays/prod',
    });
  });
  it.each<Record<string, string>>([{}, { env: '..' }, { env: 'a/b' }, { env: '' }])(
    'refuses label %j',
    (labels) => {
      const result = resolveKustomizePath('overlays/${cluster.labels.env}', labels);
      expect(result).toEqual({ ok: false, message: expect.stringContaining('"env"') });
    },
  );
});

describe('tool arguments', () => {
  it('helm template: values files in order, inline values last, kube version when known', () => {
    expect(
      helmTemplateArgs({
        releaseName: 'web',
        chartDir: 'src',
        namespace: 'shop',
        valuesFiles: ['src/a.yaml', 'src/b.yaml'],
        inlineValuesFile: 'inline.json',
        kubeVersion: 'v1.31.2',
        apiVersions: ['example.com/v1', 'monitoring.coreos.com/v1/ServiceMonitor'],
      }).args,
    ).toEqual([
      'template',
      'web',
      'src',
      '--namespace',
      'shop',
      '--include-crds',
      '--skip-tests',
      '-f',
      'src/a.yaml',
      '-f',
      'src/b.yaml',
      '-f',
      'inline.json',
      '--kube-version',
      'v1.31.2',
      '--api-versions=example.com/v1',
      '--api-versions=monitoring.coreos.com/v1/ServiceMonitor',
    ]);
    expect(
      helmTemplateArgs({ releaseName: 'web', chartDir: 'src', namespace: 'n', valuesFiles: [] }).args,
    ).toEqual(['template', 'web', 'src', '--namespace', 'n', '--include-crds', '--skip-tests']);
  });
  it('kustomize build: root-only loader and no plugin flags', () => {
    const { args } = kustomizeBuildArgs('src/overlays/prod');
    expect(args).toEqual(['build', 'src/overlays/prod', '--load-restrictor', 'LoadRestrictionsRootOnly']);
    expect(args.join(' ')).not.toMatch(/enable-exec|enable-alpha-plugins|enable-helm/);
  });
  it.each([
    ['https://github.com/org/repo//base?ref=v1', true],
    ['git@github.com:org/repo.git', true],
    ['github.com/org/repo/base', true],
    ['ssh://git@host/repo', true],
    ['../base', false],
    ['deploy.yaml', false],
  ])('remote resource %s → %s', (entry, remote) => {
    expect(isRemoteKustomizeResource(entry)).toBe(remote);
  });
});

describe('renderCacheKey', () => {
  const base: RenderCacheKeyInput = {
    repository: 'r1',
    revision: 'abc',
    path: 'apps/web',
    kind: 'helm',
    args: ['template', 'web'],
    values: { a: 1, b: { c: 'x' } },
    toolVersion: 'v3.16.0',
  };
  it('is stable and ignores key order of values', () => {
    expect(renderCacheKey(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(renderCacheKey({ ...base, values: { b: { c: 'x' }, a: 1 } })).toBe(renderCacheKey(base));
  });
  it.each<Partial<RenderCacheKeyInput>>([
    { revision: 'abd' },
    { repository: 'r2' },
    { path: 'apps/web2' },
    { kind: 'kustomize' },
    { args: ['template', 'web', '--kube-version', 'v1.30.0'] },
    { values: { a: 2, b: { c: 'x' } } },
    { values: undefined },
    { toolVersion: 'v3.16.1' },
  ])('changes with %j', (change) => {
    expect(renderCacheKey({ ...base, ...change })).not.toBe(renderCacheKey(base));
  });
});

describe('rewriteToolMessage', () => {
  it('replaces the temporary directory with the repository path', () => {
    const msg =
      'Error: parse error at (web/templates/x.yaml:3): /tmp/flotilla-render-1/src/templates/x.yaml: bad';
    expect(rewriteToolMessage(msg, '/tmp/flotilla-render-1/src', 'charts/web')).toBe(
      'Error: parse error at (web/templates/x.yaml:3): charts/web/templates/x.yaml: bad',
    );
    expect(rewriteToolMessage('in /tmp/t/src/k.yaml and /tmp/t/src', '/tmp/t/src', '')).toBe(
      'in k.yaml and .',
    );
  });
});
