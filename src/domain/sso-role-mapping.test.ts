import { describe, expect, it } from 'vitest';
import {
  grantsNothing,
  parseSsoRoleMapping,
  resolveSsoGrant,
  SsoRoleMappingError,
} from './sso-role-mapping.js';

describe('parseSsoRoleMapping', () => {
  it('reads global and project entries', () => {
    expect(parseSsoRoleMapping(' platform=admin, team-a-devs=team-a:operator,,everyone=viewer ')).toEqual([
      { group: 'platform', project: null, role: 'admin' },
      { group: 'team-a-devs', project: 'team-a', role: 'operator' },
      { group: 'everyone', project: null, role: 'viewer' },
    ]);
  });

  it('keeps group names with slashes, spaces and = verbatim', () => {
    expect(parseSsoRoleMapping('/org/Team A=b=viewer')).toEqual([
      { group: '/org/Team A=b', project: null, role: 'viewer' },
    ]);
  });

  it.each([
    ['', 'no entries'],
    ['platform', 'is not group=role'],
    ['=admin', 'is not group=role'],
    ['platform=root', 'role must be one of viewer, operator, admin, got "root"'],
    ['devs=Team_A:viewer', 'project must be a project name'],
    ['devs=:viewer', 'project must be a project name'],
    ['devs=a:viewer,devs=a:admin', 'group "devs" is mapped twice in project a'],
    ['devs=viewer,devs=admin', 'group "devs" is mapped twice globally'],
  ])('refuses %j', (text, message) => {
    expect(() => parseSsoRoleMapping(text)).toThrow(SsoRoleMappingError);
    expect(() => parseSsoRoleMapping(text)).toThrow(message);
  });
});

describe('resolveSsoGrant', () => {
  const rules = parseSsoRoleMapping(
    'platform=admin,everyone=viewer,team-a-devs=team-a:operator,team-a-leads=team-a:admin,auditors=team-a:viewer',
  );

  it.each([
    [['everyone'], { role: 'viewer', projects: {} }],
    [['everyone', 'platform'], { role: 'admin', projects: {} }],
    [['team-a-devs', 'auditors'], { role: null, projects: { 'team-a': 'operator' } }],
    [['auditors', 'team-a-leads', 'team-a-devs'], { role: null, projects: { 'team-a': 'admin' } }],
    [['team-a-devs', 'everyone'], { role: 'viewer', projects: { 'team-a': 'operator' } }],
    [['strangers'], { role: null, projects: {} }],
    [[], { role: null, projects: {} }],
  ])('groups %j grant %j', (groups, grant) => {
    expect(resolveSsoGrant(rules, groups)).toEqual(grant);
  });

  it('says when a grant gives nothing', () => {
    expect(grantsNothing(resolveSsoGrant(rules, ['strangers']))).toBe(true);
    expect(grantsNothing(resolveSsoGrant(rules, ['auditors']))).toBe(false);
  });
});
