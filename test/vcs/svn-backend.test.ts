import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/domain/errors.js';
import { SvnBackend } from '../../src/vcs/svn/svn.backend.js';
import { type VcsRepository } from '../../src/vcs/vcs-backend.js';
import { startSvnServer, type SvnServer } from '../support/svn-server.js';
import { RecordingRunner } from '../support/recording-runner.js';
import { run } from '../support/vcs-process.js';

const PASSWORD = 'Very-s3cret-svn-pw';

/** SVN-only promises: what the client is run with (what `ps` would show), file:// policy. */
describe('SvnBackend specifics', () => {
  let server: SvnServer;
  let scratch: string;
  let repo: VcsRepository;

  beforeAll(async () => {
    server = await startSvnServer({ deployer: PASSWORD });
    scratch = await mkdtemp(join(tmpdir(), 'flotilla-svn-specific-'));
    await server.createRepo('specific');
    await run('svnmucc', [
      '--non-interactive',
      '-m',
      'layout',
      '-u',
      'admin',
      'mkdir',
      `${server.fileUrl('specific')}/trunk`,
    ]);
    repo = {
      id: 'specific',
      type: 'svn',
      url: server.url('specific'),
      branch: null,
      path: 'trunk',
      credentials: { username: 'deployer', password: PASSWORD },
    };
  });

  afterAll(async () => {
    await server?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('passes the password on stdin only, never in argv, and commit text only through files', async () => {
    const runner = new RecordingRunner();
    const backend = new SvnBackend({ workDir: join(scratch, 'work-a'), runner });
    const message = 'secret-free message $(id)';
    const rev = await backend.commit(repo, [{ path: 'a.yaml', content: Buffer.from('a: 1\n') }], {
      message,
      author: { name: 'api-caller' },
    });
    await backend.read(repo, rev.id, 'a.yaml');
    await backend.history(repo, { limit: 5 });
    expect(runner.calls.length).toBeGreaterThan(3);
    for (const call of runner.calls) {
      expect(call.args.join(' ')).not.toContain(PASSWORD);
      expect(call.args).not.toContain(message);
      expect(call.args).toEqual(
        expect.arrayContaining([
          '--non-interactive',
          '--no-auth-cache',
          '--password-from-stdin',
          '--username',
          'deployer',
        ]),
      );
      expect(call.stdin).toBe(`${PASSWORD}\n`);
    }
    const [latest] = (await backend.history(repo, { limit: 1 })).items;
    expect(latest.author.name).toBe('api-caller');
    expect(latest.message).toBe(message);
  });

  it('refuses file:// unless allowed, and credentials inside the URL', async () => {
    const backend = new SvnBackend({ workDir: join(scratch, 'work-b') });
    await expect(
      backend.resolve({ ...repo, url: server.fileUrl('specific'), credentials: null }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    const err = await backend
      .resolve({ ...repo, url: repo.url.replace('svn://', `svn://deployer:${PASSWORD}@`) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).not.toContain(PASSWORD);
    const allowed = new SvnBackend({ workDir: join(scratch, 'work-c'), allowFileUrls: true });
    expect(
      (await allowed.resolve({ ...repo, url: server.fileUrl('specific'), credentials: null })).display,
    ).toMatch(/^trunk@r\d+$/);
  });
});
