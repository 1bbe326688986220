import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type ClientMetadata } from 'oidc-provider';
import { HttpBrowser, type BrowserResponse } from './http-browser.js';

/** A person the test provider knows: any password signs them in (oidc-provider's dev interactions). */
export interface TestAccount {
  email: string;
  /** Absent: the ID token carries no groups claim at all. */
  groups?: string[];
}

/** A real OpenID Provider (the certified `oidc-provider` library) on 127.0.0.1 for a test. */
export interface TestOidcProvider {
  issuer: string;
  provider: Provider;
  /** The private signing key (JWK), so a test can start a rogue provider that signs alike. */
  signingKey: Record<string, unknown>;
  /** Lifetime of the ID tokens issued from now on (a test sets it low to get an expired one). */
  idTokenTtlSeconds: number;
  /**
   * Runs the device authorization grant for `clientId` as a person would: asks for a device
   * code, approves it in `browser` (user code, login, consent) and redeems it; returns the ID token.
   */
  deviceIdToken(clientId: string, login: string, scope?: string): Promise<string>;
  /** Approves a user code shown by a device (the CLI) as `login`, in a fresh browser. */
  approveDevice(verificationUriComplete: string, login: string): Promise<void>;
  close(): Promise<void>;
}

/** The scopes the tests ask for: groups is a custom scope carrying the groups claim. */
export const TEST_SCOPES = 'openid email groups';

/**
 * Starts the provider with the given clients and accounts. ID tokens carry the claims of their
 * scopes (conformIdTokenClaims off, as Dex and Keycloak do for groups).
 */
export async function startOidcProvider(
  clients: ClientMetadata[],
  accounts: Record<string, TestAccount>,
  opts: { signingKey?: Record<string, unknown> } = {},
): Promise<TestOidcProvider> {
  const jwk: Record<string, unknown> =
    opts.signingKey ??
    (await generateKeyPair('RS256', { extractable: true }).then(async ({ privateKey }) => ({
      ...(await exportJWK(privateKey)),
      alg: 'RS256',
      use: 'sig',
      kid: 'test',
    })));
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const state = { idTokenTtlSeconds: 3600 };
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [jwk] },
    cookies: { keys: ['flotilla-test-cookie-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], groups: ['groups'] },
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true }, deviceFlow: { enabled: true } },
    pkce: { required: () => true },
    ttl: {
      IdToken: () => state.idTokenTtlSeconds,
      AccessToken: 600,
      DeviceCode: 600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    findAccount: (_ctx, id) => {
      const a = accounts[id];
      if (!a) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          email: a.email,
          email_verified: true,
          ...(a.groups ? { groups: a.groups } : {}),
        }),
      };
    },
  });
  server.on('request', provider.callback());

  const approve = async (browser: HttpBrowser, startUrl: string, login: string) => {
    // The user code page (prefilled), then the login and consent forms, then the success page.
    let page: BrowserResponse = await browser.follow(startUrl);
    for (let step = 0; step < 6 && /<form/i.test(page.text); step++)
      page = await browser.submit(page, /name="login"/.test(page.text) ? { login, password: 'any' } : {});
    if (!/success|signed in|can now close/i.test(page.text))
      throw new Error(`device approval did not finish: ${page.status} ${page.text.slice(0, 400)}`);
  };

  return {
    issuer,
    provider,
    signingKey: jwk,
    get idTokenTtlSeconds() {
      return state.idTokenTtlSeconds;
    },
    set idTokenTtlSeconds(s: number) {
      state.idTokenTtlSeconds = s;
    },
    async approveDevice(uri, login) {
      await approve(new HttpBrowser(), uri, login);
    },
    async deviceIdToken(clientId, login, scope = TEST_SCOPES) {
      const auth = await fetch(`${issuer}/device/auth`, {
        method: 'POST',
        body: new URLSearchParams({ client_id: clientId, scope }),
      });
      const d = (await auth.json()) as { device_code: string; verification_uri_complete: string };
      await approve(new HttpBrowser(), d.verification_uri_complete, login);
      const token = await fetch(`${issuer}/token`, {
        method: 'POST',
        body: new URLSearchParams({
          client_id: clientId,
          grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
          device_code: d.device_code,
        }),
      });
      const t = (await token.json()) as { id_token?: string; error?: string };
      if (!t.id_token) throw new Error(`device code not redeemed: ${JSON.stringify(t)}`);
      return t.id_token;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
