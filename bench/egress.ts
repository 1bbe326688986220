/**
 * Cost of the egress policy (issue 12) on an unchanged poll: the same `resolve` through a
 * backend with the hub's egress guard (name resolution + address classification on every
 * hop, pinned connection) and without it, against the real test servers on loopback (reached
 * as `localhost`, so that resolution is part of what is measured). Prints medians and the
 * ratio guarded / unguarded. Run alone (`tsx bench/egress.ts`) or at the end of bench:vcs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseAllowList } from '../src/domain/egress-policy.js';
import { EgressGuard } from '../src/vcs/egress-guard.js';
import { GitBackend } from '../src/vcs/git/git.backend.js';
import { guardedHttpClient } from '../src/vcs/git/guarded-http.js';
import { SvnBackend } from '../src/vcs/svn/svn.backend.js';
import { type VcsBackend, type VcsRepository } from '../src/vcs/vcs-backend.js';
import { startGitHttpServer } from '../test/support/git-http-server.js';
import { startSvnServer } from '../test/support/svn-server.js';
import { run } from '../test/support/vcs-process.js';

const ROUNDS = Number(process.env.EGRESS_ROUNDS ?? 41);

async function median(n: number, work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await work();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Alternates guarded and unguarded polls so that drift on a busy machine hits both alike. */
async function compare(
  plain: VcsBackend,
  guarded: VcsBackend,
  repo: VcsRepository,
): Promise<{ plainMs: number; guardedMs: number }> {
  await plain.resolve(repo);
  await guarded.resolve(repo);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    a.push(await median(1, () => plain.resolve(repo)));
    b.push(await median(1, () => guarded.resolve(repo)));
  }
  const mid = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  return { plainMs: mid(a), guardedMs: mid(b) };
}

/** Measures and prints the egress figures. */
export async function benchEgress(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'flotilla-bench-egress-'));
  const guard = new EgressGuard(parseAllowList('127.0.0.0/8,::1'));
  const rows: [string, number, number][] = [];
  const git = await startGitHttpServer();
  const svn = await startSvnServer({ bench: 'bench-pw' });
  try {
    const bare = await git.createRepo('egress');
    const wt = join(scratch, 'wt');
    await run('git', ['init', '--quiet', '--initial-branch=main', wt]);
    await run('git', ['-C', wt, 'commit', '--quiet', '--allow-empty', '-m', 'one'], {
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'b',
        GIT_AUTHOR_EMAIL: 'b@x',
        GIT_COMMITTER_NAME: 'b',
        GIT_COMMITTER_EMAIL: 'b@x',
      },
    });
    await run('git', ['-C', wt, 'push', '--quiet', pathToFileURL(bare).href, 'main']);
    const gitRepo: VcsRepository = {
      id: 'egress',
      type: 'git',
      url: git.url('egress').replace('127.0.0.1', 'localhost'),
      branch: 'main',
      path: null,
      credentials: null,
    };
    const g = await compare(
      new GitBackend({ cacheDir: join(scratch, 'g1') }),
      new GitBackend({ cacheDir: join(scratch, 'g2'), http: guardedHttpClient(guard) }),
      gitRepo,
    );
    rows.push(['Git unchanged poll', g.plainMs, g.guardedMs]);

    await svn.createRepo('egress');
    const svnRepo: VcsRepository = {
      id: 'egress',
      type: 'svn',
      url: svn.url('egress').replace('127.0.0.1', 'localhost'),
      branch: null,
      path: null,
      credentials: { username: 'bench', password: 'bench-pw' },
    };
    const s = await compare(
      new SvnBackend({ workDir: join(scratch, 's1') }),
      new SvnBackend({ workDir: join(scratch, 's2'), egress: guard }),
      svnRepo,
    );
    rows.push(['SVN unchanged poll (svn://)', s.plainMs, s.guardedMs]);

    const check = await median(ROUNDS, () => guard.check(gitRepo.url));
    console.log(
      `\nEgress policy: unchanged poll without / with the check (median of ${ROUNDS}, alternating)`,
    );
    console.log(
      `${'measure'.padEnd(30)}${'without ms'.padStart(12)}${'with ms'.padStart(10)}${'ratio'.padStart(8)}`,
    );
    for (const [what, without, withCheck] of rows)
      console.log(
        `${what.padEnd(30)}${without.toFixed(2).padStart(12)}${withCheck.toFixed(2).padStart(10)}${(withCheck / without).toFixed(2).padStart(8)}`,
      );
    console.log(`check alone (resolve localhost + classify): ${check.toFixed(3)} ms`);
  } finally {
    await git.close();
    await svn.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await benchEgress();
