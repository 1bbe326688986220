import { describe, expect, it } from 'vitest';
import {
  dns1123LabelProblem,
  labelKeyProblem,
  labelsProblems,
  labelValueProblem,
} from './kubernetes-names.js';

describe('Kubernetes names', () => {
  it.each(['a', 'prod-eu-1', '0abc', 'a'.repeat(63)])('accepts label name %s', (n) => {
    expect(dns1123LabelProblem(n)).toBeNull();
  });
  it.each(['', 'Prod', '-a', 'a-', 'a_b', 'a.b', 'a'.repeat(64)])('rejects label name %j', (n) => {
    expect(dns1123LabelProblem(n)).not.toBeNull();
  });
  it.each(['env', 'app.kubernetes.io/name', 'a_b.c-d', 'example.com/x'])('accepts label key %s', (k) => {
    expect(labelKeyProblem(k)).toBeNull();
  });
  it.each(['', '/x', 'Ex_ample.com/x', 'x/', '-x', 'a'.repeat(64), 'a/b/c'])('rejects label key %j', (k) => {
    expect(labelKeyProblem(k)).not.toBeNull();
  });
  it('checks values', () => {
    expect(labelValueProblem('k', '')).toBeNull();
    expect(labelValueProblem('k', 'v1.2_3-x')).toBeNull();
    expect(labelValueProblem('k', 'has space')).toMatch(/label "k"/);
    expect(labelValueProblem('k', 3)).toBe('label "k": value must be a string');
  });
  it('collects every problem of a map', () => {
    expect(labelsProblems({ ok: 'x', '-bad': 'x', good: '-' })).toHaveLength(2);
    expect(labelsProblems([])).toEqual(['labels must be an object of string keys to string values']);
  });
});
