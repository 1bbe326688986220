import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import {
  diffObjects,
  formatDiff,
  formatPointer,
  parsePointer,
  removeIgnoredFields,
} from './ignore-differences.js';

describe('parsePointer / formatPointer', () => {
  it.each<[string, string[]]>([
    ['/spec/replicas', ['spec', 'replicas']],
    ['/metadata/annotations/example.com~1team', ['metadata', 'annotations', 'example.com/team']],
    ['/a~0b', ['a~b']],
    // ~01 is "~" then "1", not "/": ~1 is unescaped first, then ~0.
    ['/x~01', ['x~1']],
    ['/', ['']],
    ['/spec/containers/0/image', ['spec', 'containers', '0', 'image']],
  ])('%s', (pointer, tokens) => {
    expect(parsePointer(pointer)).toEqual(tokens);
    expect(formatPointer(tokens)).toBe(pointer);
  });

  it.each(['', 'spec/replicas', '/a~2', '/a~'])('rejects %j', (pointer) => {
    expect(() => parsePointer(pointer)).toThrow(InvalidInputError);
  });
});

describe('removeIgnoredFields', () => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', annotations: { 'example.com/team': 'core', keep: 'yes' } },
    spec: { replicas: 3, template: { spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } } },
  };

  it.each<[string, string[], unknown]>([
    ['a scalar', ['/spec/replicas'], { ...deployment, spec: { template: deployment.spec.template } }],
    [
      'an escaped key',
      ['/metadata/annotations/example.com~1team'],
      { ...deployment, metadata: { name: 'api', annotations: { keep: 'yes' } } },
    ],
    [
      'array elements, resolved before removal',
      ['/spec/template/spec/containers/0', '/spec/template/spec/containers/2'],
      { ...deployment, spec: { replicas: 3, template: { spec: { containers: [{ name: 'b' }] } } } },
    ],
    [
      'pointers that lead nowhere',
      [
        '/spec/paused',
        '/status/x',
        '/spec/template/spec/containers/9',
        '/spec/replicas/x',
        '/spec/template/spec/containers/-',
      ],
      deployment,
    ],
  ])('removes %s', (_name, pointers, expected) => {
    expect(removeIgnoredFields(deployment, pointers)).toEqual(expected);
  });

  it('never mutates its input', () => {
    const before = structuredClone(deployment);
    removeIgnoredFields(deployment, ['/spec/replicas', '/spec/template/spec/containers/1']);
    expect(deployment).toEqual(before);
  });
});

describe('diffObjects', () => {
  const desired = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: 'web', labels: { app: 'api' } },
    spec: {
      replicas: 3,
      template: {
        spec: {
          containers: [{ name: 'api', image: 'api:2', args: ['--port', '80'] }],
        },
      },
    },
  };
  // What the cluster returns: defaults, other managers' fields, a sidecar, status.
  const live = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'api',
      namespace: 'web',
      labels: { app: 'api', injected: 'x' },
      resourceVersion: '42',
      uid: 'u',
    },
    spec: {
      replicas: 3,
      revisionHistoryLimit: 10,
      template: {
        spec: {
          containers: [
            { name: 'istio-proxy', image: 'proxy:1' },
            { name: 'api', image: 'api:2', args: ['--port', '80'], imagePullPolicy: 'IfNotPresent' },
          ],
        },
      },
    },
    status: { replicas: 3 },
  };
  const edit = (patch: (o: typeof live) => void) => {
    const copy = structuredClone(live);
    patch(copy);
    return copy;
  };

  it.each<[string, unknown, string[], { path: string; desired: unknown; live: unknown }[]]>([
    ['fields only other managers set are not drift', live, [], []],
    [
      'a changed scalar',
      edit((o) => (o.spec.replicas = 5)),
      [],
      [{ path: '/spec/replicas', desired: 3, live: 5 }],
    ],
    ['an ignored field', edit((o) => (o.spec.replicas = 5)), ['/spec/replicas'], []],
    [
      'a changed field inside a named list entry',
      edit((o) => (o.spec.template.spec.containers[1].image = 'api:1')),
      [],
      [{ path: '/spec/template/spec/containers/0/image', desired: 'api:2', live: 'api:1' }],
    ],
    [
      'a named entry gone from live',
      edit((o) => o.spec.template.spec.containers.splice(1, 1)),
      [],
      [
        {
          path: '/spec/template/spec/containers/0',
          desired: desired.spec.template.spec.containers[0],
          live: undefined,
        },
      ],
    ],
    [
      'an atomic list of another length',
      edit((o) => o.spec.template.spec.containers[1]?.args?.push('--debug')),
      [],
      [
        {
          path: '/spec/template/spec/containers/0/args',
          desired: ['--port', '80'],
          live: ['--port', '80', '--debug'],
        },
      ],
    ],
    [
      'a removed label',
      edit((o) => delete (o.metadata.labels as Record<string, string>).app),
      [],
      [{ path: '/metadata/labels/app', desired: 'api', live: undefined }],
    ],
    [
      'a type change',
      edit((o) => ((o.spec as Record<string, unknown>).replicas = '3')),
      [],
      [{ path: '/spec/replicas', desired: 3, live: '3' }],
    ],
    ['a deleted object', undefined, [], [{ path: '', desired: desired, live: undefined }]],
  ])('%s', (_name, liveObject, ignore, expected) => {
    expect(diffObjects(desired, liveObject, ignore)).toEqual(expected);
  });

  it('never compares status, nulls or empty maps the cluster omits', () => {
    const want = { spec: { a: null, b: {}, c: [] }, status: { phase: 'Ready' } };
    expect(diffObjects(want, { spec: {} }, [])).toEqual([]);
  });

  it('lists several drifts in key order', () => {
    const drifted = edit((o) => {
      o.spec.replicas = 1;
      o.metadata.labels.app = 'other';
    });
    expect(diffObjects(desired, drifted, []).map((d) => d.path)).toEqual([
      '/metadata/labels/app',
      '/spec/replicas',
    ]);
  });

  it('refuses a malformed ignore pointer', () => {
    expect(() => diffObjects(desired, live, ['spec/replicas'])).toThrow(InvalidInputError);
  });
});

describe('formatDiff', () => {
  it('prints live then desired per field, values as canonical JSON', () => {
    expect(
      formatDiff([
        { path: '/spec/replicas', desired: 3, live: 5 },
        { path: '/metadata/labels/app', desired: 'api', live: undefined },
        { path: '/spec/selector', desired: { b: 1, a: 2 }, live: null },
      ]),
    ).toBe(
      [
        '- /spec/replicas: 5',
        '+ /spec/replicas: 3',
        '- /metadata/labels/app: (absent)',
        '+ /metadata/labels/app: "api"',
        '- /spec/selector: null',
        '+ /spec/selector: {"a":2,"b":1}',
      ].join('\n'),
    );
  });

  it('names the root pointer', () => {
    expect(formatDiff([{ path: '', desired: { a: 1 }, live: undefined }])).toBe(
      '- (whole object): (absent)\n+ (whole object): {"a":1}',
    );
  });

  it('prints nothing for no drift', () => {
    expect(formatDiff([])).toBe('');
  });
});
