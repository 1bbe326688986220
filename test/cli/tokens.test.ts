import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { CliSession } from './cli-harness.js';

let h: TestHub;
let cli: CliSession;

beforeAll(async () => {
  h = await startTestHub(inject('postgresUrl'));
  cli = await CliSession.create({ FLOTILLA_URL: h.url, FLOTILLA_TOKEN: h.adminToken });
});
afterAll(async () => {
  await h?.close();
  await cli?.close();
});

describe('flotilla token', () => {
  it('creates a token with an expiry, prints its secret once, and lists expiry and last use', async () => {
    const out = await cli.ok(['token', 'create', 'ci', '--role', 'operator', '--expires-in', '30']);
    const secret = /\n {2}(flt_\S+)\n$/.exec(out)?.[1];
    expect(secret).toBeDefined();
    const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    expect(out).toMatch(new RegExp(`expires:\\s+${expires} `));
    await cli.ok(['cluster', 'list'], { env: { FLOTILLA_TOKEN: secret } });

    const table = (await cli.ok(['token', 'list'])).trimEnd().split('\n');
    expect(table[0]).toMatch(/^NAME\s+ROLE\s+PREFIX\s+EXPIRES\s+LAST USED\s+CREATED$/);
    expect(table.find((l) => l.startsWith('admin '))).toContain(' never ');
    const ci = table.find((l) => l.startsWith('ci '))!;
    expect(ci).toContain(` ${expires} `);
    expect(ci).not.toContain(secret!);
    const json = await cli.json(['token', 'list']);
    expect(json.find((t: { name: string }) => t.name === 'ci').lastUsedAt).not.toBeNull();

    const never = await cli.json(['token', 'create', 'robot', '--role', 'viewer', '--never-expires']);
    expect(never.expiresAt).toBeNull();
    expect(never.token).toMatch(/^flt_/);
  });

  it('marks an expired token, whose use then fails with the reason', async () => {
    await h.sql("UPDATE api_tokens SET expires_at = now() - interval '1 hour' WHERE name = 'ci'");
    const ci = (await cli.ok(['token', 'list'])).split('\n').find((l) => l.startsWith('ci '))!;
    expect(ci).toContain('(expired)');
    const created = await h.api('POST', '/api/v1/tokens', { body: { name: 'lapsing', role: 'viewer' } });
    await h.sql("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE name = 'lapsing'");
    const r = await cli.run(['cluster', 'list'], { env: { FLOTILLA_TOKEN: created.body.token } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/token 'lapsing' expired at .*ask an admin for a new one/);
  });

  it('refuses two expiries with the hub message, and a bad number as a usage error', async () => {
    const both = await cli.run([
      'token',
      'create',
      'x',
      '--role',
      'viewer',
      '--expires-in',
      '3',
      '--never-expires',
    ]);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('give at most one of expiresInDays and neverExpires');
    const bad = await cli.run(['token', 'create', 'x', '--role', 'viewer', '--expires-in', 'soon']);
    expect(bad.code).toBe(2);
  });

  it('revokes by name', async () => {
    expect(await cli.ok(['token', 'revoke', 'robot'])).toBe('token robot revoked\n');
    const names = (await cli.json(['token', 'list'])).map((t: { name: string }) => t.name);
    expect(names).not.toContain('robot');
    const missing = await cli.run(['token', 'revoke', 'robot']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("flotilla: token 'robot' not found\n");
  });
});
