// The test alone reads its YAML fixtures from disk; the code under test stays free of IO.
// eslint-disable-next-line no-restricted-imports
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { assessHealth, rollupHealth, type ResourceHealth } from './health.js';
import type { HealthStatus, LiveObject } from './health.types.js';

/**
 * Every fixture is a two-document YAML file: first `expect: { status, message }` (message is
 * a fragment the verdict must contain), then the live object as the API server returns it.
 */
interface Fixture {
  file: string;
  expected: { status: HealthStatus; message: string };
  object: LiveObject;
}

const fixturesDir = new URL('./fixtures/', import.meta.url);

function loadFixtures(): Fixture[] {
  const fixtures: Fixture[] = [];
  for (const kindDir of readdirSync(fixturesDir).sort()) {
    for (const name of readdirSync(new URL(`${kindDir}/`, fixturesDir)).sort()) {
      if (!name.endsWith('.yaml')) continue;
      const text = readFileSync(new URL(`${kindDir}/${name}`, fixturesDir), 'utf8');
      const docs = parseAllDocuments(text);
      if (!Array.isArray(docs) || docs.length !== 2)
        throw new Error(`${kindDir}/${name}: expected two documents`);
      const [head, body] = docs.map((d) => d.toJS());
      fixtures.push({ file: `${kindDir}/${name}`, expected: head.expect, object: body });
    }
  }
  return fixtures;
}

const fixtures = loadFixtures();

describe('assessHealth fixtures', () => {
  it.each(fixtures.map((f) => [f.file, f] as const))('%s', (_file, fixture) => {
    const result = assessHealth(fixture.object);
    expect(result.status).toBe(fixture.expected.status);
    expect(result.message).toContain(String(fixture.expected.message));
  });

  it.each([
    'deployment',
    'stateful-set',
    'daemon-set',
    'replica-set',
    'job',
    'crd',
    'pod',
    'pvc',
    'service',
    'generic',
  ])('has at least 4 fixtures for %s', (kind) => {
    expect(fixtures.filter((f) => f.file.startsWith(`${kind}/`)).length).toBeGreaterThanOrEqual(4);
  });

  it('covers every status a rule can produce', () => {
    const seen = new Set(fixtures.map((f) => f.expected.status));
    for (const status of ['Current', 'InProgress', 'Failed', 'Terminating', 'Unknown'] as const)
      expect(seen).toContain(status);
  });
});

describe('assessHealth edge cases', () => {
  it('reports a missing object as NotFound', () => {
    expect(assessHealth(null).status).toBe('NotFound');
    expect(assessHealth(undefined).status).toBe('NotFound');
  });

  it('judges a custom kind named like a built-in by the generic rule', () => {
    const obj: LiveObject = {
      apiVersion: 'example.com/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    };
    expect(assessHealth(obj)).toEqual({ status: 'Current', message: 'Ready' });
  });

  it('honours Stalled on a built-in kind', () => {
    const obj: LiveObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      status: { replicas: 1, conditions: [{ type: 'Stalled', status: 'True', message: 'gave up' }] },
    };
    expect(assessHealth(obj)).toEqual({ status: 'Failed', message: 'gave up' });
  });

  it('degrades garbage status to a verdict instead of throwing', () => {
    const obj = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      spec: 'nonsense',
      status: { conditions: 'nope', replicas: 'three' },
    } as LiveObject;
    expect(() => assessHealth(obj)).not.toThrow();
    expect(assessHealth(obj).status).toBe('InProgress');
  });
});

describe('rollupHealth', () => {
  const r = (status: HealthStatus, message = status.toLowerCase(), resource?: string): ResourceHealth => ({
    status,
    message,
    ...(resource ? { resource } : {}),
  });

  it.each<[string, ResourceHealth[], HealthStatus]>([
    ['no resources', [], 'Current'],
    ['all current', [r('Current'), r('Current')], 'Current'],
    [
      'failed beats everything',
      [r('Current'), r('InProgress'), r('Terminating'), r('Failed'), r('Unknown')],
      'Failed',
    ],
    ['terminating beats in progress', [r('InProgress'), r('Terminating'), r('NotFound')], 'Terminating'],
    ['in progress beats unknown', [r('Unknown'), r('InProgress'), r('Current')], 'InProgress'],
    ['not found counts as in progress', [r('Current'), r('NotFound')], 'InProgress'],
    ['not found beats unknown', [r('Unknown'), r('NotFound')], 'InProgress'],
    ['unknown beats current', [r('Current'), r('Unknown')], 'Unknown'],
  ])('%s', (_name, results, status) => {
    expect(rollupHealth(results).status).toBe(status);
  });

  it('counts and names the worst resources', () => {
    const result = rollupHealth([
      r('Current', 'ok', 'v1/ConfigMap/web/cfg'),
      r('InProgress', '2 of 3 replicas updated', 'apps/Deployment/web/api'),
      r('NotFound', 'object not found in the cluster', 'v1/Service/web/api'),
    ]);
    expect(result).toEqual({
      status: 'InProgress',
      message:
        '2 of 3 resources in progress: apps/Deployment/web/api: 2 of 3 replicas updated; ' +
        'v1/Service/web/api: object not found in the cluster',
    });
  });

  it('quotes at most three messages', () => {
    const result = rollupHealth(['a', 'b', 'c', 'd', 'e'].map((m) => r('Failed', m)));
    expect(result.message).toBe('5 of 5 resources failed: a; b; c (and 2 more)');
  });

  it('summarises an all-current application', () => {
    expect(rollupHealth([r('Current'), r('Current')]).message).toBe('all 2 resources current');
  });
});
