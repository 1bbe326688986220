import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AuditCheckpointService } from '../../src/hub/audit/audit-checkpoint.service.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';

/**
 * The deployment the README recommends: migrations under the schema owner, the hub under a role
 * that may append to the audit trail and read it, and nothing more.
 */

const run = promisify(execFile);
const suffix = randomBytes(4).toString('hex');
const OWNER = `flt_owner_${suffix}`;
const APP = `flt_app_${suffix}`;
const DB = `flotilla_roles_${suffix}`;
const password = randomBytes(12).toString('hex');

function urlAs(role: string): string {
  const u = new URL(inject('postgresUrl'));
  u.username = role;
  u.password = password;
  u.pathname = `/${DB}`;
  return u.toString();
}

async function sqlAs(url: string, text: string): Promise<void> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

let h: TestHub | undefined;

beforeAll(async () => {
  const admin = inject('postgresUrl');
  await sqlAs(admin, `CREATE ROLE ${OWNER} LOGIN PASSWORD '${password}'`);
  await sqlAs(admin, `CREATE ROLE ${APP} LOGIN PASSWORD '${password}'`);
  await sqlAs(admin, `CREATE DATABASE ${DB} OWNER ${OWNER}`);
});
afterAll(async () => {
  await h?.close();
  // Roles outlive databases on a shared server: leave none behind.
  const admin = inject('postgresUrl');
  await sqlAs(admin, `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await sqlAs(admin, `DROP ROLE IF EXISTS ${APP}`);
  await sqlAs(admin, `DROP ROLE IF EXISTS ${OWNER}`);
});

describe('running the hub as a role that cannot rewrite the audit trail', () => {
  it('refuses to start with FLOTILLA_MIGRATE=false while migrations are pending', async () => {
    await expect(
      startTestHub(inject('postgresUrl'), { DATABASE_URL: urlAs(APP), FLOTILLA_MIGRATE: 'false' }),
    ).rejects.toThrow(/pending migrations: run `npm run migration:run`/);
  });

  it('migrates as the owner, then runs as the runtime role with the documented grants', async () => {
    // `npm run migration:run` without the build step: DATABASE_MIGRATION_URL wins over DATABASE_URL.
    const { stdout } = await run('node_modules/.bin/tsx', ['src/hub/database/migrate.cli.ts'], {
      env: { ...process.env, DATABASE_MIGRATION_URL: urlAs(OWNER), DATABASE_URL: urlAs(APP) },
    });
    expect(stdout).toMatch(/^applied: /);
    const grants = (await readFile('docs/database-roles.sql', 'utf8')).replaceAll('flotilla_app', APP);
    await sqlAs(urlAs(OWNER), grants);

    h = await startTestHub(inject('postgresUrl'), { DATABASE_URL: urlAs(APP), FLOTILLA_MIGRATE: 'false' });
    expect((await h.api('POST', '/api/v1/clusters', { body: { name: 'least' } })).status).toBe(201);
    const repo = await h.api('POST', '/api/v1/repositories', {
      body: { name: 'least', type: 'git', url: 'https://git.example.com/least.git' },
    });
    expect(repo.status).toBe(201);
    // h.sql connects as the runtime role too.
    const actions = (await h.sql<{ action: string }>('SELECT action FROM audit_events ORDER BY seq')).map(
      (r) => r.action,
    );
    expect(actions).toEqual([
      'audit.chain.keyed',
      'token.created',
      'cluster.registered',
      'repository.created',
    ]);
    expect(await h.hub.app.get(AuditCheckpointService).tick(true)).not.toBeNull();
    expect((await h.api('GET', '/api/v1/audit/verify')).body).toMatchObject({
      ok: true,
      checkpointsChecked: 1,
    });
  });

  it('gets "permission denied" for UPDATE, DELETE, TRUNCATE and for switching the trigger off', async () => {
    const denied = { code: '42501' }; // insufficient_privilege
    for (const table of ['audit_events', 'audit_checkpoints']) {
      await expect(h!.sql(`UPDATE ${table} SET hash = 'x'`)).rejects.toMatchObject({
        ...denied,
        message: `permission denied for table ${table}`,
      });
      await expect(h!.sql(`DELETE FROM ${table}`)).rejects.toMatchObject({
        ...denied,
        message: `permission denied for table ${table}`,
      });
      await expect(h!.sql(`TRUNCATE ${table}`)).rejects.toMatchObject({
        ...denied,
        message: `permission denied for table ${table}`,
      });
    }
    await expect(
      h!.sql('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only'),
    ).rejects.toMatchObject({
      ...denied,
      message: 'must be owner of table audit_events',
    });
    await expect(h!.sql('ALTER TABLE audit_events DISABLE TRIGGER USER')).rejects.toMatchObject(denied);
    await expect(h!.sql('DROP TABLE audit_events')).rejects.toMatchObject(denied);
    // Nor through a month's partition, nor detach one outside the hub's own function.
    const [{ part }] = await h!.sql<{ part: string }>(
      'SELECT tableoid::regclass::text AS part FROM audit_events ORDER BY seq DESC LIMIT 1',
    );
    for (const stmt of [`UPDATE ${part} SET hash = 'x'`, `DELETE FROM ${part}`, `TRUNCATE ${part}`])
      await expect(h!.sql(stmt), stmt).rejects.toMatchObject(denied);
    await expect(h!.sql(`ALTER TABLE audit_events DETACH PARTITION ${part}`)).rejects.toMatchObject(denied);
    await expect(h!.sql(`SELECT audit_events_detach_partition('${part}')`)).rejects.toThrow(
      /the current month is never detached/,
    );
    // What it needs still works: appending through the hub, and reading.
    expect((await h!.api('POST', '/api/v1/clusters', { body: { name: 'still-works' } })).status).toBe(201);
    expect((await h!.api('GET', '/api/v1/audit/verify')).body).toMatchObject({ ok: true });
  });
});
