import { randomBytes } from 'node:crypto';
import { startTestHub, type TestHub } from './hub-harness.js';
import { freePort } from './k8s/free-port.js';
import { startOidcProvider, TEST_SCOPES, type TestAccount, type TestOidcProvider } from './oidc-provider.js';

/** Group → role rules of the SSO test hubs. */
export const TEST_SSO_ROLES = 'platform=admin,everyone=viewer,team-a-devs=team-a:operator';

/** A hub with single sign-on through a real OpenID provider, both on 127.0.0.1. */
export interface SsoHub {
  op: TestOidcProvider;
  h: TestHub;
  /** The hub's public URL (known before it starts: the provider redirects to it). */
  hubUrl: string;
  /** The dashboard client's secret, so tests can look for it where it must not be. */
  clientSecret: string;
  /** The provider's people, read at every sign-in: a test may change someone's groups. */
  accounts: Record<string, TestAccount>;
  close(): Promise<void>;
}

/**
 * Starts the provider with the dashboard client (confidential, code flow), the CLI client and
 * another app (public, device flow) and four people: alice (platform, everyone), bob
 * (team-a-devs), mallory (a group mapped to nothing) and nobody (no groups claim); then a hub
 * configured for it (`env` adds to or overrides the hub's environment).
 */
export async function startSsoHub(postgresUrl: string, env: Record<string, string> = {}): Promise<SsoHub> {
  const port = await freePort();
  const hubUrl = `http://127.0.0.1:${port}`;
  const clientSecret = randomBytes(24).toString('base64url');
  const accounts: Record<string, TestAccount> = {
    alice: { email: 'alice@example.com', groups: ['platform', 'everyone'] },
    bob: { email: 'bob@example.com', groups: ['team-a-devs'] },
    mallory: { email: 'mallory@example.com', groups: ['strangers'] },
    nobody: { email: 'nobody@example.com' },
  };
  const op = await startOidcProvider(
    [
      {
        client_id: 'flotilla-dashboard',
        client_secret: clientSecret,
        redirect_uris: [`${hubUrl}/api/v1/auth/sso/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
      ...['flotilla-cli', 'other-app'].map((id) => ({
        client_id: id,
        token_endpoint_auth_method: 'none',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
        response_types: [],
        redirect_uris: [],
      })),
    ],
    accounts,
  );
  try {
    const h = await startTestHub(postgresUrl, {
      PORT: String(port),
      FLOTILLA_PUBLIC_URL: hubUrl,
      FLOTILLA_OIDC_ISSUER: op.issuer,
      FLOTILLA_OIDC_CLIENT_ID: 'flotilla-dashboard',
      FLOTILLA_OIDC_CLIENT_SECRET: clientSecret,
      FLOTILLA_OIDC_CLI_CLIENT_ID: 'flotilla-cli',
      FLOTILLA_OIDC_SCOPES: TEST_SCOPES,
      FLOTILLA_OIDC_ROLES: TEST_SSO_ROLES,
      ...env,
    });
    return {
      op,
      h,
      hubUrl,
      clientSecret,
      accounts,
      async close() {
        await h.close();
        await op.close();
      },
    };
  } catch (e) {
    await op.close();
    throw e;
  }
}
