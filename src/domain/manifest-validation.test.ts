import { describe, expect, it } from 'vitest';
import { manifestProblems } from './manifest-validation.js';

const ok = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n';

describe('manifestProblems', () => {
  it('accepts single and multi-document YAML, and JSON', () => {
    expect(manifestProblems('a.yaml', Buffer.from(ok))).toEqual([]);
    expect(manifestProblems('a.yml', Buffer.from(`${ok}---\n${ok}---\n`))).toEqual([]);
    expect(
      manifestProblems(
        'a.json',
        Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } })),
      ),
    ).toEqual([]);
  });
  it('checks the shape of a SealedSecret, naming the file and the field', () => {
    const sealed = (spec: string) =>
      Buffer.from(
        `apiVersion: flotilla.io/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\nspec:\n${spec}`,
      );
    expect(
      manifestProblems(
        'app/db.yaml',
        sealed(
          '  selector: env=prod\n  recipients: [0123456789abcdef]\n  encryptedData:\n    password: YWdl\n',
        ),
      ),
    ).toEqual([]);
    expect(manifestProblems('app/db.yaml', sealed('  selector: env=prod\n  recipients: [x]\n'))).toEqual([
      'app/db.yaml: document 1: SealedSecret db: spec.recipients must be a list of 16-hex-digit fingerprints',
    ]);
  });
  it('names the file and the document', () => {
    expect(manifestProblems('apps/web.yaml', Buffer.from(`${ok}---\nkind: Service\nmetadata: {}\n`))).toEqual(
      ['apps/web.yaml: document 2: is not a Kubernetes object: missing apiVersion, metadata.name'],
    );
  });
  it('reports YAML syntax errors', () => {
    expect(manifestProblems('x.yaml', Buffer.from('a: [1, 2\n'))[0]).toMatch(
      /^x\.yaml: document 1: invalid YAML: /,
    );
    expect(manifestProblems('x.yaml', Buffer.from('a: 1\na: 2\n'))[0]).toMatch(/invalid YAML/);
  });
  it('reports JSON errors and non-objects', () => {
    expect(manifestProblems('x.json', Buffer.from('{'))[0]).toMatch(/^x\.json: invalid JSON/);
    expect(manifestProblems('x.json', Buffer.from('[]'))).toEqual([
      'x.json: is not a Kubernetes object (a mapping)',
    ]);
    expect(manifestProblems('x.yaml', Buffer.from('- a\n- b\n'))).toEqual([
      'x.yaml: document 1: is not a Kubernetes object (a mapping)',
    ]);
  });
  it('refuses what the API server would refuse, naming file, object and field', () => {
    expect(
      manifestProblems(
        'apps/cm.yaml',
        Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: BAD_NAME\n'),
      ),
    ).toEqual([
      expect.stringMatching(
        /^apps\/cm\.yaml: document 1: ConfigMap "BAD_NAME": metadata\.name "BAD_NAME": must be a DNS-1123 subdomain/,
      ),
    ]);
    const json = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a', labels: { x: 3 } },
    });
    expect(manifestProblems('a.json', Buffer.from(json))).toEqual([
      'a.json: ConfigMap "a": metadata.labels: "x": value must be a string',
    ]);
  });
  it('leaves values with placeholders to the render, and accepts RBAC names with colons', () => {
    const text =
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: "system:x" }\n---\n' +
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: "cfg-${cluster.name}", namespace: "${values.ns}" }\n';
    expect(manifestProblems('a.yaml', Buffer.from(text))).toEqual([]);
  });
  it('passes other files as they are', () => {
    expect(manifestProblems('README.md', Buffer.from('# anything: [ {'))).toEqual([]);
  });
});
