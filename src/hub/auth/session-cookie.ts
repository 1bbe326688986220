/**
 * The cookies of single sign-on. Over https they take the `__Host-` prefix, which browsers only
 * accept when Secure, for path / and without a Domain: no sibling host can set or shadow them.
 */

/** Names of the session cookie and of the short-lived login cookie (state, nonce, PKCE verifier, sealed). */
export function cookieNames(secure: boolean): { session: string; login: string } {
  const prefix = secure ? '__Host-' : '';
  return { session: `${prefix}flotilla_session`, login: `${prefix}flotilla_sso_login` };
}

/** Reads one cookie of a Cookie header; undefined when absent or malformed. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return /^[\w.~+/=-]{1,4096}$/.test(value) ? value : undefined;
  }
  return undefined;
}

/**
 * A Set-Cookie value: HttpOnly (scripts never see the secret), SameSite=Lax (sent on the
 * provider's top-level redirect back, not on cross-site subrequests), Secure over https.
 * `maxAgeSeconds` 0 deletes the cookie.
 */
export function setCookie(name: string, value: string, maxAgeSeconds: number, secure: boolean): string {
  const parts = [
    `${name}=${value}`,
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    'HttpOnly',
    'SameSite=Lax',
  ];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}
