import * as oidc from 'openid-client';
import type * as Hub from '../api-types/hub-api.js';
import { ApiClient } from './api-client.js';
import { CliError } from './errors.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Signs in through the hub's OpenID provider with the device authorization grant: the provider
 * gives a code, the person confirms it in any browser (`show` tells them where), the CLI
 * redeems it for an ID token and the hub exchanges that (after checking its signature, issuer,
 * audience and expiry) for a session token. Returns the session token; the ID token is never
 * shown or stored.
 */
export async function ssoDeviceLogin(
  hubUrl: string,
  show: (verificationUri: string, userCode: string, completeUri: string | undefined) => void,
): Promise<Hub.SsoSessionDto> {
  const hub = new ApiClient(hubUrl, null);
  const config = await hub.anonymous<Hub.SsoConfigDto>('/api/v1/auth/sso/config');
  if (!config.cli)
    throw new CliError(
      config.enabled
        ? 'this hub has single sign-on for the dashboard only (no FLOTILLA_OIDC_CLI_CLIENT_ID): use an API token'
        : 'this hub has no single sign-on: log in with an API token',
    );
  const issuer = new URL(config.cli.issuer);
  // Plain http only to a provider on this machine (the hub applies the same rule).
  const insecure = issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname);
  let provider: oidc.Configuration;
  try {
    provider = await oidc.discovery(
      issuer,
      config.cli.clientId,
      undefined,
      oidc.None(),
      insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
    );
  } catch (e) {
    throw new CliError(`cannot reach the OpenID provider ${issuer.origin}: ${(e as Error).message}`);
  }
  let id: string | undefined;
  try {
    const device = await oidc.initiateDeviceAuthorization(provider, { scope: config.cli.scopes.join(' ') });
    show(device.verification_uri, device.user_code, device.verification_uri_complete);
    const tokens = await oidc.pollDeviceAuthorizationGrant(provider, device, undefined, {
      signal: AbortSignal.timeout(device.expires_in * 1000),
    });
    id = tokens.id_token;
  } catch (e) {
    if (e instanceof oidc.ResponseBodyError)
      throw new CliError(`the OpenID provider refused the sign-in (${e.error})`);
    if ((e as Error).name === 'TimeoutError' || (e as Error).name === 'AbortError')
      throw new CliError('the device code expired before it was confirmed: run flotilla login --sso again');
    throw new CliError(`single sign-on failed: ${(e as Error).message}`);
  }
  if (!id) throw new CliError('the OpenID provider sent no ID token (is openid among the scopes?)');
  return hub.post<Hub.SsoSessionDto>('/api/v1/auth/sso/token', { idToken: id });
}
