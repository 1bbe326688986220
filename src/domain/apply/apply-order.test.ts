import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { formatId, idOf } from '../inventory/inventory.js';
import {
  InvalidSyncWaveError,
  KIND_ORDER,
  planApplyWaves,
  pruneOrder,
  syncWaveOf,
  type KubeObjectLike,
} from './apply-order.js';

/** Shorthand: `obj('apps/v1', 'Deployment', 'web/api', '2')` (namespace/name, optional wave). */
function obj(apiVersion: string, kind: string, ref: string, wave?: string): KubeObjectLike {
  const [namespace, name] = ref.includes('/') ? ref.split('/') : [undefined, ref];
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      ...(wave !== undefined ? { annotations: { 'flotilla.io/sync-wave': wave } } : {}),
    },
  };
}

const ids = (waves: KubeObjectLike[][]): string[][] => waves.map((w) => w.map((o) => formatId(idOf(o))));

describe('syncWaveOf', () => {
  it.each([
    [undefined, 0],
    ['0', 0],
    ['3', 3],
    ['-2', -2],
    ['+4', 4],
    [' 7 ', 7],
  ])('reads %j as %d', (wave, expected) => {
    expect(syncWaveOf(obj('v1', 'ConfigMap', 'web/cfg', wave))).toBe(expected);
  });

  it.each(['', 'one', '1.5', '1e3', '0x10', '99999999999999999999'])(
    'rejects %j naming the object',
    (wave) => {
      const call = () => syncWaveOf(obj('v1', 'ConfigMap', 'web/cfg', wave));
      expect(call).toThrow(InvalidSyncWaveError);
      expect(call).toThrow(InvalidInputError);
      expect(call).toThrow('/ConfigMap/web/cfg');
    },
  );
});

describe('planApplyWaves', () => {
  it('puts Namespaces and CRDs alone in the first wave, whatever their wave', () => {
    const waves = planApplyWaves([
      obj('apps/v1', 'Deployment', 'web/api'),
      obj('example.com/v1', 'Widget', 'web/w'),
      obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com', '5'),
      obj('v1', 'Namespace', 'web', '3'),
    ]);
    expect(ids(waves)).toEqual([
      ['/Namespace//web', 'apiextensions.k8s.io/CustomResourceDefinition//widgets.example.com'],
      ['apps/Deployment/web/api', 'example.com/Widget/web/w'],
    ]);
  });

  it('orders waves numerically, negative first, and omits empty waves', () => {
    const waves = planApplyWaves([
      obj('v1', 'ConfigMap', 'web/ten', '10'),
      obj('v1', 'ConfigMap', 'web/two', '2'),
      obj('v1', 'ConfigMap', 'web/minus', '-1'),
      obj('v1', 'ConfigMap', 'web/zero'),
    ]);
    expect(ids(waves)).toEqual([
      ['/ConfigMap/web/minus'],
      ['/ConfigMap/web/zero'],
      ['/ConfigMap/web/two'],
      ['/ConfigMap/web/ten'],
    ]);
  });

  it('orders kinds within a wave as Helm installs them, custom resources last', () => {
    const shuffled = [
      obj('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'v'),
      obj('example.com/v1', 'Widget', 'web/w'),
      obj('networking.k8s.io/v1', 'Ingress', 'web/api'),
      obj('batch/v1', 'Job', 'web/migrate'),
      obj('apps/v1', 'Deployment', 'web/api'),
      obj('v1', 'Service', 'web/api'),
      obj('rbac.authorization.k8s.io/v1', 'RoleBinding', 'web/rb'),
      obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'cr'),
      obj('v1', 'PersistentVolumeClaim', 'web/data'),
      obj('v1', 'ConfigMap', 'web/cfg'),
      obj('v1', 'Secret', 'web/s'),
      obj('v1', 'ServiceAccount', 'web/sa'),
      obj('v1', 'ResourceQuota', 'web/q'),
    ];
    expect(ids(planApplyWaves(shuffled))).toEqual([
      [
        '/ResourceQuota/web/q',
        '/ServiceAccount/web/sa',
        '/Secret/web/s',
        '/ConfigMap/web/cfg',
        '/PersistentVolumeClaim/web/data',
        'rbac.authorization.k8s.io/ClusterRole//cr',
        'rbac.authorization.k8s.io/RoleBinding/web/rb',
        '/Service/web/api',
        'apps/Deployment/web/api',
        'batch/Job/web/migrate',
        'networking.k8s.io/Ingress/web/api',
        'admissionregistration.k8s.io/ValidatingWebhookConfiguration//v',
        'example.com/Widget/web/w',
      ],
    ]);
  });

  it('treats a custom kind named like a built-in as a custom resource', () => {
    const waves = planApplyWaves([
      obj('serving.knative.dev/v1', 'Service', 'web/hello'),
      obj('v1', 'ConfigMap', 'web/c'),
    ]);
    expect(ids(waves)).toEqual([['/ConfigMap/web/c', 'serving.knative.dev/Service/web/hello']]);
  });

  it('sorts custom resources by kind, then namespace, then name', () => {
    const waves = planApplyWaves([
      obj('example.com/v1', 'Widget', 'b/x'),
      obj('example.com/v1', 'Gadget', 'z/z'),
      obj('example.com/v1', 'Widget', 'a/y'),
      obj('example.com/v1', 'Widget', 'a/x'),
    ]);
    expect(ids(waves)).toEqual([
      [
        'example.com/Gadget/z/z',
        'example.com/Widget/a/x',
        'example.com/Widget/a/y',
        'example.com/Widget/b/x',
      ],
    ]);
  });

  it('is deterministic whatever the input order', () => {
    const objects = KIND_ORDER.map((kind, i) => obj('v1', kind, `ns/o${i}`, String(i % 3)));
    const forward = ids(planApplyWaves(objects));
    expect(ids(planApplyWaves([...objects].reverse()))).toEqual(forward);
  });

  it('rejects invalid waves naming every offending object, before planning anything', () => {
    const call = () =>
      planApplyWaves([
        obj('v1', 'ConfigMap', 'web/ok', '1'),
        obj('v1', 'ConfigMap', 'web/bad', 'first'),
        obj('apps/v1', 'Deployment', 'web/api', '1.5'),
      ]);
    expect(call).toThrow(InvalidSyncWaveError);
    expect(call).toThrow(
      'flotilla.io/sync-wave must be an integer: /ConfigMap/web/bad has "first", apps/Deployment/web/api has "1.5"',
    );
  });

  it('returns no waves for an empty bundle and leaves the input untouched', () => {
    expect(planApplyWaves([])).toEqual([]);
    const input = [obj('v1', 'Secret', 'web/s'), obj('v1', 'Namespace', 'web')];
    const copy = structuredClone(input);
    planApplyWaves(input);
    expect(input).toEqual(copy);
  });
});

describe('pruneOrder', () => {
  it('deletes in exactly the reverse order of applying', () => {
    const objects = [
      obj('v1', 'Namespace', 'web'),
      obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com'),
      obj('example.com/v1', 'Widget', 'web/w'),
      obj('apps/v1', 'Deployment', 'web/api', '1'),
      obj('v1', 'ConfigMap', 'web/cfg'),
      obj('v1', 'ServiceAccount', 'web/sa'),
    ];
    const applied = ids(planApplyWaves(objects));
    const pruned = ids(pruneOrder(objects));
    expect(pruned.flat()).toEqual([...applied.flat()].reverse());
    expect(pruned.at(-1)).toEqual([
      'apiextensions.k8s.io/CustomResourceDefinition//widgets.example.com',
      '/Namespace//web',
    ]);
  });

  it('still orders objects whose sync wave is invalid, as wave 0', () => {
    const waves = pruneOrder([
      obj('v1', 'ConfigMap', 'web/bad', 'oops'),
      obj('v1', 'ConfigMap', 'web/late', '1'),
    ]);
    expect(ids(waves)).toEqual([['/ConfigMap/web/late'], ['/ConfigMap/web/bad']]);
  });
});
