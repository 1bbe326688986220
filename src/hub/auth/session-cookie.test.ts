import { describe, expect, it } from 'vitest';
import { cookieNames, readCookie, setCookie } from './session-cookie.js';
import { loggableUrl } from './sso.service.js';

describe('session cookies', () => {
  it('take the __Host- prefix only over https', () => {
    expect(cookieNames(false)).toEqual({ session: 'flotilla_session', login: 'flotilla_sso_login' });
    expect(cookieNames(true)).toEqual({
      session: '__Host-flotilla_session',
      login: '__Host-flotilla_sso_login',
    });
  });

  it('are HttpOnly, SameSite=Lax, for the whole site, Secure over https', () => {
    expect(setCookie('a', 'flts_x', 43_200, false)).toBe(
      'a=flts_x; Path=/; Max-Age=43200; HttpOnly; SameSite=Lax',
    );
    expect(setCookie('a', '', 0, true)).toBe('a=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure');
  });

  it('are read by exact name, and malformed values are ignored', () => {
    const header = 'xflotilla_session=no; flotilla_session=flts_abc-_1; other=1';
    expect(readCookie(header, 'flotilla_session')).toBe('flts_abc-_1');
    expect(readCookie(header, 'missing')).toBeUndefined();
    expect(readCookie(undefined, 'flotilla_session')).toBeUndefined();
    expect(readCookie('flotilla_session="quoted value"', 'flotilla_session')).toBeUndefined();
    expect(readCookie('flotilla_session=', 'flotilla_session')).toBeUndefined();
  });
});

describe('loggableUrl', () => {
  it("drops the callback's query (an authorization code) and leaves other URLs alone", () => {
    expect(loggableUrl('/api/v1/auth/sso/callback?code=secret&state=s')).toBe(
      '/api/v1/auth/sso/callback?[redacted]',
    );
    expect(loggableUrl('/api/v1/auth/sso/callback')).toBe('/api/v1/auth/sso/callback');
    expect(loggableUrl('/api/v1/audit?action=auth.*')).toBe('/api/v1/audit?action=auth.*');
  });
});
