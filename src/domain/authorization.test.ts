import { describe, expect, it } from 'vitest';
import {
  allowsSomewhere,
  authorize,
  describeGrants,
  projectsAllowing,
  type Grants,
} from './authorization.js';

const global = (role: Grants['role']): Grants => ({ role, projects: {} });
const inA = (role: 'viewer' | 'operator' | 'admin'): Grants => ({ role: null, projects: { 'team-a': role } });

describe('authorize', () => {
  it.each([
    // grants, need, project, allowed
    [global('viewer'), 'viewer', null, true],
    [global('viewer'), 'operator', null, false],
    [global('operator'), 'operator', 'team-a', true],
    [global('admin'), 'admin', null, true],
    [inA('admin'), 'viewer', null, false],
    [inA('viewer'), 'viewer', 'team-a', true],
    [inA('viewer'), 'operator', 'team-a', false],
    [inA('operator'), 'operator', 'team-a', true],
    [inA('operator'), 'admin', 'team-a', false],
    [inA('admin'), 'viewer', 'team-b', false],
    [inA('admin'), 'admin', 'team-a', true],
    // the better of both counts
    [{ role: 'viewer', projects: { 'team-a': 'operator' } }, 'operator', 'team-a', true],
    [{ role: 'viewer', projects: { 'team-a': 'operator' } }, 'operator', 'team-b', false],
    [{ role: 'operator', projects: { 'team-a': 'viewer' } }, 'operator', 'team-a', true],
    // nothing inherited from Object.prototype
    [{ role: null, projects: {} }, 'viewer', 'constructor', false],
  ] as const)('%j needs %s in %s: %s', (grants, need, project, want) => {
    expect(authorize(grants, need, project)).toBe(want);
  });
});

describe('projectsAllowing', () => {
  it('is all for a sufficient global role, else the projects that allow it', () => {
    expect(projectsAllowing(global('viewer'), 'viewer')).toBe('all');
    expect(projectsAllowing(global('viewer'), 'operator')).toEqual([]);
    const g: Grants = { role: null, projects: { b: 'operator', a: 'viewer', c: 'admin' } };
    expect(projectsAllowing(g, 'viewer')).toEqual(['a', 'b', 'c']);
    expect(projectsAllowing(g, 'operator')).toEqual(['b', 'c']);
    expect(allowsSomewhere(g, 'admin')).toBe(true);
    expect(allowsSomewhere({ role: null, projects: { a: 'viewer' } }, 'operator')).toBe(false);
  });
});

describe('describeGrants', () => {
  it('names the global role and each project role', () => {
    expect(describeGrants({ role: 'viewer', projects: { b: 'admin', a: 'operator' } })).toBe(
      'viewer (global), operator in a, admin in b',
    );
    expect(describeGrants({ role: null, projects: {} })).toBe('no role');
  });
});
