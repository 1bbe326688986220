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
  it('passes other files as they are', () => {
    expect(manifestProblems('README.md', Buffer.from('# anything: [ {'))).toEqual([]);
  });
});
