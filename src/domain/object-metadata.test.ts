import { describe, expect, it } from 'vitest';
import { objectMetadataProblems } from './object-metadata.js';

const obj = (apiVersion: string, kind: string, metadata: Record<string, unknown>) => ({
  apiVersion,
  kind,
  metadata,
});

describe('objectMetadataProblems', () => {
  it('accepts what the API server accepts', () => {
    for (const o of [
      obj('v1', 'ConfigMap', {
        name: 'web.config-1',
        namespace: 'prod',
        labels: { 'app.kubernetes.io/name': 'web', empty: '' },
      }),
      obj('rbac.authorization.k8s.io/v1', 'ClusterRole', { name: 'system:controller:Foo_bar' }),
      obj('rbac.authorization.k8s.io/v1', 'RoleBinding', { name: 'x:y', namespace: 'a' }),
      obj('apiregistration.k8s.io/v1', 'APIService', { name: 'v1beta1.metrics.k8s.io' }),
      obj('v1', 'Namespace', { name: 'team-a' }),
      obj('v1', 'Service', { name: 'web' }),
      obj('example.com/v1', 'Widget', {
        name: 'a.b',
        annotations: { 'example.com/any': 'Any value at all: ${x}' },
      }),
      obj('v1', 'ConfigMap', { name: 'x', labels: { nulled: null }, annotations: null }),
    ]) {
      expect(objectMetadataProblems(o)).toEqual([]);
    }
  });

  it('refuses names by the rule of their kind, naming the field', () => {
    expect(objectMetadataProblems(obj('v1', 'ConfigMap', { name: 'BAD_NAME' }))).toEqual([
      expect.stringMatching(/^metadata\.name "BAD_NAME": must be a DNS-1123 subdomain/),
    ]);
    expect(objectMetadataProblems(obj('v1', 'Namespace', { name: 'a.b' }))[0]).toMatch(
      /^metadata\.name "a\.b"/,
    );
    expect(objectMetadataProblems(obj('v1', 'Service', { name: '1web' }))[0]).toMatch(/DNS-1035/);
    expect(objectMetadataProblems(obj('example.com/v1', 'Widget', { name: 'a'.repeat(254) }))[0]).toMatch(
      /253/,
    );
    expect(objectMetadataProblems(obj('rbac.authorization.k8s.io/v1', 'Role', { name: 'a/b' }))[0]).toMatch(
      /may not contain/,
    );
    expect(objectMetadataProblems(obj('rbac.authorization.k8s.io/v1', 'Role', { name: '..' }))[0]).toMatch(
      /may not/,
    );
  });

  it('refuses a namespace that is no DNS-1123 label', () => {
    expect(objectMetadataProblems(obj('v1', 'ConfigMap', { name: 'a', namespace: 'Prod' }))).toEqual([
      expect.stringMatching(/^metadata\.namespace "Prod": /),
    ]);
  });

  it('refuses bad label keys and values and annotation keys, and non-string values', () => {
    const problems = objectMetadataProblems(
      obj('v1', 'ConfigMap', {
        name: 'a',
        labels: { 'bad key': 'x', ok: 'has space', n: 3, long: 'v'.repeat(64) },
        annotations: { 'Example.com/x': 'v', fine: 7 },
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^metadata\.labels: key "bad key": name part/),
      expect.stringMatching(/^metadata\.labels: "ok": value must be empty or/),
      'metadata.labels: "n": value must be a string',
      expect.stringMatching(/^metadata\.labels: "long": value must be at most 63/),
      expect.stringMatching(/^metadata\.annotations: key "Example\.com\/x": prefix/),
      'metadata.annotations: "fine": value must be a string',
    ]);
    expect(objectMetadataProblems(obj('v1', 'ConfigMap', { name: 'a', labels: ['x'] }))).toEqual([
      'metadata.labels: must be a mapping of strings to strings',
    ]);
  });

  it('leaves values with placeholders to the render when asked', () => {
    const o = obj('v1', 'ConfigMap', {
      name: 'web-${cluster.name}',
      namespace: '${values.ns}',
      labels: { region: '${cluster.labels.region}' },
    });
    expect(objectMetadataProblems(o, { placeholders: true })).toEqual([]);
    expect(objectMetadataProblems(o)).toHaveLength(3);
  });
});
