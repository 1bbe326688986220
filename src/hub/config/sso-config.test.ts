import { describe, expect, it } from 'vitest';
import { loadHubConfig } from './hub-config.js';

const BASE = {
  FLOTILLA_PUBLIC_URL: 'https://flotilla.example.com',
  FLOTILLA_OIDC_ISSUER: 'https://login.example.com/realms/platform/',
  FLOTILLA_OIDC_CLIENT_ID: 'flotilla',
  FLOTILLA_OIDC_ROLES: 'platform=admin,team-a-devs=team-a:operator',
};

describe('single sign-on configuration', () => {
  it('is off without an issuer', () => {
    expect(loadHubConfig({}).sso).toBeNull();
  });

  it('reads every setting, with defaults', () => {
    expect(loadHubConfig(BASE).sso).toEqual({
      issuer: 'https://login.example.com/realms/platform',
      clientId: 'flotilla',
      clientSecret: null,
      cliClientId: null,
      groupsClaim: 'groups',
      scopes: ['openid', 'email', 'profile'],
      roles: [
        { group: 'platform', project: null, role: 'admin' },
        { group: 'team-a-devs', project: 'team-a', role: 'operator' },
      ],
      sessionTtlSeconds: 43_200,
      sessionSweepMs: 60_000,
    });
    const sso = loadHubConfig({
      ...BASE,
      FLOTILLA_OIDC_SCOPES: 'email, groups',
      FLOTILLA_OIDC_GROUPS_CLAIM: 'roles',
      FLOTILLA_OIDC_CLIENT_SECRET: 's3cret',
      FLOTILLA_OIDC_CLI_CLIENT_ID: 'flotilla-cli',
      FLOTILLA_SSO_SESSION_TTL_SECONDS: '3600',
      FLOTILLA_SSO_SESSION_SWEEP_MS: '0',
    }).sso;
    expect(sso).toMatchObject({
      scopes: ['openid', 'email', 'groups'],
      groupsClaim: 'roles',
      clientSecret: 's3cret',
      cliClientId: 'flotilla-cli',
      sessionTtlSeconds: 3600,
      sessionSweepMs: 0,
    });
  });

  it('allows plain http only for a provider on a loopback address', () => {
    expect(loadHubConfig({ ...BASE, FLOTILLA_OIDC_ISSUER: 'http://127.0.0.1:5556/dex' }).sso?.issuer).toBe(
      'http://127.0.0.1:5556/dex',
    );
  });

  it.each([
    [{ FLOTILLA_OIDC_ISSUER: 'http://login.example.com' }, 'must be an https URL'],
    [{ FLOTILLA_OIDC_ISSUER: 'login.example.com' }, 'must be an absolute URL'],
    [{ FLOTILLA_OIDC_ISSUER: 'https://u:p@login.example.com' }, 'must not contain credentials'],
    [{ FLOTILLA_OIDC_CLIENT_ID: '' }, 'FLOTILLA_OIDC_CLIENT_ID is required'],
    [{ FLOTILLA_PUBLIC_URL: '' }, 'FLOTILLA_PUBLIC_URL is required with FLOTILLA_OIDC_ISSUER'],
    [{ FLOTILLA_OIDC_ROLES: '' }, 'FLOTILLA_OIDC_ROLES: no entries'],
    [{ FLOTILLA_OIDC_ROLES: 'platform=root' }, 'FLOTILLA_OIDC_ROLES: "platform=root": role must be one of'],
    [
      { FLOTILLA_SSO_SESSION_TTL_SECONDS: '10' },
      'FLOTILLA_SSO_SESSION_TTL_SECONDS must be an integer between 60',
    ],
  ])('refuses %j at start, naming the problem', (change, message) => {
    expect(() => loadHubConfig({ ...BASE, ...change })).toThrow(message);
  });

  it('refuses an OIDC setting without the issuer (a half-done configuration)', () => {
    expect(() => loadHubConfig({ FLOTILLA_OIDC_CLIENT_ID: 'flotilla' })).toThrow(
      'FLOTILLA_OIDC_CLIENT_ID is set but FLOTILLA_OIDC_ISSUER is not',
    );
  });
});
