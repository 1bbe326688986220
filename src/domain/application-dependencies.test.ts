import { describe, expect, it } from 'vitest';
import {
  dependencyHold,
  dependencyNotReady,
  dependentsOf,
  describeCycle,
  findCycle,
  type DependencyState,
} from './application-dependencies.js';

const graph = (o: Record<string, string[]>) => new Map(Object.entries(o));
const ready = (name: string): DependencyState => ({
  name,
  status: { sync: 'Synced', health: 'Current', wantedRevision: 'r1', appliedRevision: 'r1' },
});

describe('findCycle', () => {
  it('finds none in a chain or a diamond', () => {
    expect(findCycle(graph({ a: ['b'], b: ['c'] }), 'a')).toBeNull();
    expect(findCycle(graph({ a: ['b', 'c'], b: ['d'], c: ['d'] }), 'a')).toBeNull();
  });

  it('names a self-dependency', () => {
    expect(describeCycle(findCycle(graph({ a: ['a'] }), 'a')!)).toBe('a → a');
  });

  it('names the path of a longer cycle back to the application', () => {
    const g = graph({ a: ['x', 'b'], x: [], b: ['c'], c: ['a'] });
    expect(describeCycle(findCycle(g, 'a')!)).toBe('a → b → c → a');
  });

  it('ignores cycles that do not pass through the application', () => {
    expect(findCycle(graph({ a: ['b'], b: ['c'], c: ['b'] }), 'a')).toBeNull();
  });
});

describe('dependencyHold', () => {
  it('lets the job go when every dependency is Synced and Current at its revision', () => {
    expect(dependencyHold('prod-eu-1', [ready('a'), ready('b')])).toBeNull();
    expect(dependencyHold('prod-eu-1', [])).toBeNull();
  });

  it('names each dependency that is not ready, with why', () => {
    const progressing = { ...ready('cert-manager'), status: { ...ready('x').status!, sync: 'Progressing' } };
    const unhealthy = { ...ready('db'), status: { ...ready('x').status!, health: 'InProgress' } };
    expect(dependencyHold('prod-eu-1', [progressing, ready('ok'), unhealthy])).toBe(
      'waiting for cert-manager on prod-eu-1: Progressing; waiting for db on prod-eu-1: InProgress',
    );
  });

  it('holds for a dependency absent from the cluster, being deleted, or behind its revision', () => {
    expect(dependencyNotReady({ name: 'a', status: null })).toBe('not deployed to this cluster');
    expect(dependencyNotReady({ ...ready('a'), deleting: true })).toBe('being deleted');
    expect(dependencyNotReady({ name: 'a', status: { ...ready('a').status!, appliedRevision: 'r0' } })).toBe(
      'not yet at its desired revision',
    );
  });
});

describe('removal', () => {
  it('lists who depends on an application', () => {
    const apps = [
      { name: 'web', dependsOn: ['cert-manager', 'db'] },
      { name: 'api', dependsOn: ['cert-manager'] },
      { name: 'cert-manager', dependsOn: [] },
    ];
    expect(dependentsOf('cert-manager', apps)).toEqual(['api', 'web']);
    expect(dependentsOf('web', apps)).toEqual([]);
  });
});
