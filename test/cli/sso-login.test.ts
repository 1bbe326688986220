import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSsoHub, type SsoHub } from '../support/sso-fixture.js';
import { CliSession, collect } from './cli-harness.js';

/**
 * `flotilla login --sso` as a subprocess: the device authorization grant against a real OpenID
 * provider, the code approved over HTTP as a person would in a browser, the ID token exchanged
 * at the hub for a session token the CLI then uses like any bearer token.
 */
let sso: SsoHub;
let cli: CliSession;

beforeAll(async () => {
  sso = await startSsoHub(inject('postgresUrl'));
  cli = await CliSession.create();
});
afterAll(async () => {
  await cli?.close();
  await sso?.close();
});

/** Starts `login --sso`, approves the code it shows as `login`, and waits for the CLI to end. */
async function deviceLogin(login: string, args: string[] = [], session = cli) {
  const child = session.spawn(['login', sso.hubUrl, '--sso', ...args]);
  const done = collect(child);
  const uri = await new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stderr!.on('data', (d: Buffer | string) => {
      seen += d.toString();
      const m = /open (\S+) in a browser/.exec(seen);
      if (m) resolve(m[1]);
    });
    child.once('close', () => reject(new Error(`the CLI ended without showing a code: ${seen}`)));
  });
  await sso.op.approveDevice(uri, login);
  return done;
}

describe('flotilla login --sso', () => {
  it('signs in with the device flow, saves the session token and acts as the person', async () => {
    const r = await deviceLogin('alice', ['-o', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^To sign in, open http:\/\/127\.0\.0\.1:\d+\/device\?user_code=\S+ in a browser \(code: \S+\)\. Waiting…\n$/,
    );
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      hubUrl: sso.hubUrl,
      token: { name: 'alice@example.com', role: 'admin', projects: {}, sso: true },
    });
    const saved = JSON.parse(await readFile(cli.configFile, 'utf8'));
    expect(saved.token).toMatch(/^flts_/);
    expect(r.stdout).not.toContain(saved.token);

    const who = await sso.h.api('GET', '/api/v1/whoami', { token: saved.token });
    expect(who.body).toMatchObject({
      authenticatedBy: 'sso',
      identity: { subject: 'alice', groups: ['platform', 'everyone'] },
    });
    await cli.ok(['cluster', 'add', 'from-sso-cli']);
    const audit = await sso.h.api('GET', '/api/v1/audit?action=cluster.*&limit=1');
    expect(audit.body.items[0].actor).toMatchObject({
      type: 'user',
      id: `${sso.op.issuer}#alice`,
      name: 'alice@example.com',
    });
    expect(await cli.ok(['version'])).toMatch(
      /token:\s+SSO user 'alice@example\.com' \(admin, expires \S+\)\n$/,
    );
  });

  it('lists SSO sessions and revokes one (flotilla sso sessions / sso revoke)', async () => {
    const other = await CliSession.create();
    try {
      expect((await deviceLogin('bob', [], other)).code).toBe(0);
      const bobToken = JSON.parse(await readFile(other.configFile, 'utf8')).token as string;
      const bobId = (await sso.h.api('GET', '/api/v1/whoami', { token: bobToken })).body.tokenId;
      // The admin (alice, signed in by the first test) lists sessions, secrets nowhere.
      const listed = await cli.json(['sso', 'sessions']);
      expect(listed).toContainEqual(
        expect.objectContaining({
          id: bobId,
          name: 'bob@example.com',
          groups: ['team-a-devs'],
          client: 'cli',
        }),
      );
      const table = await cli.ok(['sso', 'sessions']);
      expect(table).toMatch(/ID\s+PERSON\s+GROUPS\s+ROLE\s+CLIENT\s+SIGNED IN\s+EXPIRES\s+LAST USED/);
      expect(table).toContain('team-a-devs');
      expect(table + JSON.stringify(listed)).not.toContain(bobToken);
      expect(await cli.ok(['sso', 'revoke', bobId])).toBe(`SSO session ${bobId} revoked\n`);
      // bob's CLI is refused at its next request.
      const refused = await other.run(['cluster', 'list']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('the SSO session is unknown or was logged out');
      const bad = await cli.run(['sso', 'revoke', 'nope']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("'nope' is not a session id");
    } finally {
      await other.close();
    }
  });

  it('shows the project roles of a person who holds no global role', async () => {
    const r = await deviceLogin('bob');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^logged in to \S+ as SSO user 'bob@example\.com' \(team-a: operator, expires \S+\)/,
    );
  });

  it('says why a person whose groups map to no role is refused, and saves nothing', async () => {
    const other = await CliSession.create();
    try {
      const r = await deviceLogin('mallory', [], other);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('single sign-on refused: none of your groups maps to a role on this hub');
      await expect(readFile(other.configFile, 'utf8')).rejects.toThrow(/ENOENT/);
    } finally {
      await other.close();
    }
  });
});
