import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { startSvnServer, type SvnServer } from '../support/svn-server.js';
import { run } from '../support/vcs-process.js';

const SECRET = 'svn-hook-secret-0123456789';
let svn: SvnServer;
let h: TestHub;
let scratch: string;

beforeAll(async () => {
  svn = await startSvnServer({ alice: 'alice-pass-123' });
  h = await startTestHub(inject('postgresUrl'));
  scratch = await mkdtemp(join(tmpdir(), 'flotilla-svn-hook-'));
});
afterAll(async () => {
  await h?.close();
  await svn?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('scripts/svn-post-commit', () => {
  it('notifies the hub after a commit, which then makes the repository due', async () => {
    const path = await svn.createRepo('hooked');
    const url = svn.url('hooked');
    // Subversion runs hooks with an empty environment: the installed hook sets the three
    // values and hands over to the shipped script, as the script's header describes.
    await writeFile(
      join(path, 'hooks', 'post-commit'),
      [
        '#!/bin/sh',
        `export PATH=/usr/local/bin:/usr/bin:/bin`,
        `export FLOTILLA_HUB_URL='${h.url}'`,
        `export FLOTILLA_REPO_URL='${url}'`,
        `export FLOTILLA_WEBHOOK_SECRET='${SECRET}'`,
        `exec '${resolve('scripts/svn-post-commit')}' "$@"`,
        '',
      ].join('\n'),
    );
    await chmod(join(path, 'hooks', 'post-commit'), 0o755);
    const created = await h.api('POST', '/api/v1/repositories', {
      body: {
        name: 'hooked',
        type: 'svn',
        url,
        credentials: { username: 'alice', password: 'alice-pass-123' },
        webhookSecret: SECRET,
      },
    });
    expect(created.status).toBe(201);
    await h.sql("UPDATE repositories SET next_poll_at = now() + interval '1 hour' WHERE name = 'hooked'");

    const msg = join(scratch, 'msg');
    await writeFile(msg, 'mkdir trunk');
    const out = await run('svnmucc', [
      '--non-interactive',
      '--no-auth-cache',
      '--username',
      'alice',
      '--password',
      'alice-pass-123',
      '-F',
      msg,
      'mkdir',
      `${url}/trunk`,
    ]);
    expect(out).not.toContain('could not notify');

    const rows = await h.sql<{ due: boolean }>(
      "SELECT next_poll_at <= now() AS due FROM repositories WHERE name = 'hooked'",
    );
    expect(rows[0].due).toBe(true);
  });
});
