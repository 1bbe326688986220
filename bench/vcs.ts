/**
 * VCS backend benchmark (issue 4): a generated repository of 5,000 files × 50 commits, served
 * on 127.0.0.1 by the same real servers the tests use (git http-backend, svnserve), measured
 * through the backends and through the plain `git` / `svn` clients doing the same work, in the
 * same run. Prints each figure and the ratio backend / CLI (lower is better; 1.0 = parity).
 * Git is measured through both implementations: isomorphic-git and the git CLI backend.
 *
 *   npm run bench:vcs            (FILES, COMMITS, SNAPSHOT_FILES env vars to resize;
 *                                 ONLY=git or ONLY=svn to run one side)
 *
 * Ends with the cost of the egress policy on an unchanged poll (bench/egress.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GitBackend } from '../src/vcs/git/git.backend.js';
import { GitCliBackend } from '../src/vcs/git/git-cli.backend.js';
import { benchEgress } from './egress.js';
import { SvnBackend } from '../src/vcs/svn/svn.backend.js';
import { type VcsRepository } from '../src/vcs/vcs-backend.js';
import { startGitHttpServer } from '../test/support/git-http-server.js';
import { startSvnServer } from '../test/support/svn-server.js';
import { run } from '../test/support/vcs-process.js';

const FILES = Number(process.env.FILES ?? 5000);
const COMMITS = Number(process.env.COMMITS ?? 50);
const GROUP_FILES = Number(process.env.SNAPSHOT_FILES ?? 500);
const GROUPS = Math.ceil(FILES / GROUP_FILES);
const CHANGES_PER_COMMIT = 100;
const PASSWORD = 'bench-pw';

/** `group-G/app-AA/file-FFF.yaml`: GROUP_FILES files per group, so one group is the 500-file snapshot. */
const pathOf = (i: number) => {
  const g = Math.floor(i / GROUP_FILES);
  const inGroup = i % GROUP_FILES;
  return `group-${g}/app-${String(Math.floor(inGroup / 10)).padStart(2, '0')}/file-${String(inGroup % 10)}.yaml`;
};
const contentOf = (i: number, version: number) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: bench\ndata:\n  version: "${version}"\n  payload: "${'x'.repeat(120)}"\n`;

/** Deterministic pseudo-random file choice per commit, so Git and SVN get the same history. */
function changedFiles(commit: number): number[] {
  const out = new Set<number>();
  let x = commit * 2654435761;
  while (out.size < Math.min(CHANGES_PER_COMMIT, FILES)) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.add(x % FILES);
  }
  return [...out];
}

async function time<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await work();
  return { ms: performance.now() - t, value };
}

/** Median of `n` runs. */
async function median(n: number, work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push((await time(work)).ms);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Runs a program with stdin from a buffer (fast-import); no shell. */
function runWithInput(file: string, args: string[], input: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'ignore', 'pipe'], shell: false });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${file} failed: ${err}`))));
    child.stdin.end(input);
  });
}

/** A fast-import stream: commit 1 adds every file, commits 2..n change CHANGES_PER_COMMIT each. */
function fastImportStream(from: number, to: number, parent: string | null): Buffer {
  const parts: Buffer[] = [];
  const push = (s: string | Buffer) => parts.push(typeof s === 'string' ? Buffer.from(s) : s);
  const data = (s: string) => {
    const b = Buffer.from(s);
    push(`data ${b.length}\n`);
    push(b);
    push('\n');
  };
  for (let c = from; c <= to; c++) {
    push(
      `commit refs/heads/main\nmark :${c}\nauthor Bench <bench@example.com> ${1_700_000_000 + c * 60} +0000\ncommitter Bench <bench@example.com> ${1_700_000_000 + c * 60} +0000\n`,
    );
    data(`commit ${c}`);
    if (c > from) push(`from :${c - 1}\n`);
    else if (parent) push(`from ${parent}\n`);
    const files = c === 1 ? Array.from({ length: FILES }, (_, i) => i) : changedFiles(c);
    for (const i of files) {
      push(`M 100644 inline ${pathOf(i)}\n`);
      data(contentOf(i, c));
    }
  }
  return Buffer.concat(parts);
}

/** SVN history: svnmucc over file:// (no server round-trips), one transaction per commit. */
async function buildSvn(fileUrl: string, scratch: string, from: number, to: number): Promise<void> {
  for (let c = from; c <= to; c++) {
    const dir = await mkdtemp(join(scratch, `svn-c${c}-`));
    const actions: string[] = [];
    const files = c === 1 ? Array.from({ length: FILES }, (_, i) => i) : changedFiles(c);
    if (c === 1) {
      actions.push('mkdir', `${fileUrl}/trunk`);
      const dirs = new Set<string>();
      for (const i of files) {
        const parts = pathOf(i).split('/');
        for (let d = 1; d < parts.length; d++) dirs.add(parts.slice(0, d).join('/'));
      }
      for (const d of [...dirs].sort(
        (a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b),
      ))
        actions.push('mkdir', `${fileUrl}/trunk/${d}`);
    }
    for (const i of files) {
      const f = join(dir, `f${i}`);
      await writeFile(f, contentOf(i, c));
      actions.push('put', f, `${fileUrl}/trunk/${pathOf(i)}`);
    }
    await writeFile(join(dir, 'actions'), `${actions.join('\n')}\n`);
    await run('svnmucc', [
      '--non-interactive',
      '-u',
      'bench',
      '-m',
      `commit ${c}`,
      '-X',
      join(dir, 'actions'),
    ]);
    await rm(dir, { recursive: true, force: true });
  }
}

interface Row {
  what: string;
  backendMs: number;
  cliMs: number;
  cli: string;
}

/** A Git measure through both implementations. */
interface GitRow {
  what: string;
  isoMs: number;
  gitCliMs: number;
  cliMs: number;
  cli: string;
}

function printGit(rows: GitRow[]): void {
  console.log('\nGit: GitBackend (isomorphic-git) and GitCliBackend (git CLI) vs the plain git CLI');
  console.log(
    `${'measure'.padEnd(34)}${'isomorphic'.padStart(11)}${'ratio'.padStart(7)}${'CLI backend'.padStart(13)}${'ratio'.padStart(7)}${'git ms'.padStart(9)}   git equivalent`,
  );
  for (const r of rows)
    console.log(
      `${r.what.padEnd(34)}${r.isoMs.toFixed(1).padStart(11)}${(r.isoMs / r.cliMs).toFixed(2).padStart(7)}${r.gitCliMs.toFixed(1).padStart(13)}${(r.gitCliMs / r.cliMs).toFixed(2).padStart(7)}${r.cliMs.toFixed(1).padStart(9)}   ${r.cli}`,
    );
}

function print(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  console.log(
    `${'measure'.padEnd(34)}${'backend ms'.padStart(12)}${'CLI ms'.padStart(10)}${'ratio'.padStart(8)}   CLI equivalent`,
  );
  for (const r of rows)
    console.log(
      `${r.what.padEnd(34)}${r.backendMs.toFixed(1).padStart(12)}${r.cliMs.toFixed(1).padStart(10)}${(r.backendMs / r.cliMs).toFixed(2).padStart(8)}   ${r.cli}`,
    );
}

async function benchGit(scratch: string): Promise<GitRow[]> {
  const server = await startGitHttpServer({ auth: { username: 'bench', password: PASSWORD } });
  try {
    const bare = await server.createRepo('bench');
    const t = await time(() =>
      runWithInput('git', ['-C', bare, 'fast-import', '--quiet'], fastImportStream(1, COMMITS, null)),
    );
    console.log(
      `git: generated ${FILES} files × ${COMMITS} commits with fast-import in ${t.ms.toFixed(0)} ms`,
    );
    const url = server.url('bench');
    const authedUrl = url.replace('http://', `http://bench:${PASSWORD}@`); // the CLI side only, never the backend
    const repo: VcsRepository = {
      id: 'bench',
      type: 'git',
      url,
      branch: 'main',
      path: null,
      credentials: { username: 'bench', password: PASSWORD },
    };
    const iso = new GitBackend({ cacheDir: join(scratch, 'git-cache-iso') });
    const gitCli = new GitCliBackend({ cacheDir: join(scratch, 'git-cache-cli') });
    const cliClone = join(scratch, 'git-cli.git');

    const initialIso = await time(() => iso.resolve(repo));
    const initialGitCli = await time(() => gitCli.resolve(repo));
    const initialCli = await time(() =>
      run('git', ['clone', '--quiet', '--bare', '--single-branch', '--branch', 'main', authedUrl, cliClone]),
    );

    const head = (await run('git', ['-C', bare, 'rev-parse', 'refs/heads/main'])).trim();
    await runWithInput(
      'git',
      ['-C', bare, 'fast-import', '--quiet', '--force'],
      fastImportStream(COMMITS + 1, COMMITS + 1, head),
    );
    const incIso = await time(() => iso.resolve(repo));
    const incGitCli = await time(() => gitCli.resolve(repo));
    const incCli = await time(() =>
      run('git', ['-C', cliClone, 'fetch', '--quiet', authedUrl, '+refs/heads/main:refs/heads/main']),
    );
    const rev = incIso.value.id;
    if (incGitCli.value.id !== rev) throw new Error('the two implementations disagree on the head');

    const pollIso = await median(21, () => iso.resolve(repo));
    const pollGitCli = await median(21, () => gitCli.resolve(repo));
    const pollCli = await median(21, () => run('git', ['ls-remote', authedUrl, 'refs/heads/main']));

    for (const backend of [iso, gitCli]) {
      const snap = await backend.snapshot(repo, rev, 'group-3');
      if (snap.files.size !== GROUP_FILES) throw new Error(`snapshot returned ${snap.files.size} files`);
    }
    const snapIso = await median(5, () => iso.snapshot(repo, rev, 'group-3'));
    const snapGitCli = await median(5, () => gitCli.snapshot(repo, rev, 'group-3'));
    const snapCli = await median(5, () =>
      run('git', ['-C', cliClone, 'archive', '--format=tar', rev, 'group-3']),
    );
    const fullIso = await median(3, () => iso.snapshot(repo, rev, ''));
    const fullGitCli = await median(3, () => gitCli.snapshot(repo, rev, ''));
    const fullCli = await median(3, () => run('git', ['-C', cliClone, 'archive', '--format=tar', rev]));

    return [
      {
        what: 'initial fetch (clone)',
        isoMs: initialIso.ms,
        gitCliMs: initialGitCli.ms,
        cliMs: initialCli.ms,
        cli: 'git clone --bare --single-branch',
      },
      {
        what: 'incremental fetch (1 commit)',
        isoMs: incIso.ms,
        gitCliMs: incGitCli.ms,
        cliMs: incCli.ms,
        cli: 'git fetch',
      },
      {
        what: 'unchanged poll (median of 21)',
        isoMs: pollIso,
        gitCliMs: pollGitCli,
        cliMs: pollCli,
        cli: 'git ls-remote',
      },
      {
        what: `snapshot ${GROUP_FILES} files (median of 5)`,
        isoMs: snapIso,
        gitCliMs: snapGitCli,
        cliMs: snapCli,
        cli: 'git archive <rev> group-3',
      },
      {
        what: `snapshot ${FILES} files (median of 3)`,
        isoMs: fullIso,
        gitCliMs: fullGitCli,
        cliMs: fullCli,
        cli: 'git archive <rev>',
      },
    ];
  } finally {
    await server.close();
  }
}

async function benchSvn(scratch: string): Promise<Row[]> {
  const server = await startSvnServer({ bench: PASSWORD });
  try {
    await server.createRepo('bench');
    const t = await time(() => buildSvn(server.fileUrl('bench'), scratch, 1, COMMITS));
    console.log(`svn: generated ${FILES} files × ${COMMITS} commits with svnmucc in ${t.ms.toFixed(0)} ms`);
    const repo: VcsRepository = {
      id: 'bench',
      type: 'svn',
      url: server.url('bench'),
      branch: null,
      path: 'trunk',
      credentials: { username: 'bench', password: PASSWORD },
    };
    const backend = new SvnBackend({ workDir: join(scratch, 'svn-work') });
    const cfg = join(scratch, 'svn-cli-config');
    const svn = (args: string[]) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(
          'svn',
          [
            '--non-interactive',
            '--no-auth-cache',
            '--config-dir',
            cfg,
            '--username',
            'bench',
            '--password-from-stdin',
            ...args,
          ],
          { stdio: ['pipe', 'ignore', 'pipe'], shell: false },
        );
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(err))));
        child.stdin.end(`${PASSWORD}\n`);
      });
    const trunk = `${repo.url}/trunk`;

    // SVN keeps nothing locally: the "initial fetch" is getting the whole tree once.
    const first = await backend.resolve(repo);
    let n = 0;
    const initialBackend = await time(() => backend.snapshot(repo, first.id, ''));
    const initialCli = await time(() =>
      svn(['export', '--quiet', `${trunk}@${first.id}`, join(scratch, `svn-export-${n++}`)]),
    );

    await buildSvn(server.fileUrl('bench'), scratch, COMMITS + 1, COMMITS + 1);
    // Incremental: learn the new revision and which files it changed.
    const incBackend = await time(async () => {
      const next = await backend.resolve(repo);
      return backend.changedPaths(repo, first.id, next.id);
    });
    const second = (await backend.resolve(repo)).id;
    const incCli = await time(async () => {
      await svn(['info', '--xml', `${trunk}@HEAD`]);
      await svn(['diff', '--summarize', '--xml', `${trunk}@${first.id}`, `${trunk}@${second}`]);
    });

    const pollBackend = await median(21, () => backend.resolve(repo));
    const pollCli = await median(21, () => svn(['info', '--xml', `${trunk}@HEAD`]));

    const snap = await backend.snapshot(repo, second, 'group-3');
    if (snap.files.size !== GROUP_FILES) throw new Error(`snapshot returned ${snap.files.size} files`);
    const snapBackend = await median(5, () => backend.snapshot(repo, second, 'group-3'));
    const snapCli = await median(5, () =>
      svn(['export', '--quiet', `${trunk}/group-3@${second}`, join(scratch, `svn-export-${n++}`)]),
    );

    return [
      {
        what: `initial fetch (${FILES}-file tree)`,
        backendMs: initialBackend.ms,
        cliMs: initialCli.ms,
        cli: 'svn export',
      },
      {
        what: 'incremental (1 commit: rev + paths)',
        backendMs: incBackend.ms,
        cliMs: incCli.ms,
        cli: 'svn info + svn diff --summarize',
      },
      { what: 'unchanged poll (median of 21)', backendMs: pollBackend, cliMs: pollCli, cli: 'svn info' },
      {
        what: `snapshot ${GROUP_FILES} files (median of 5)`,
        backendMs: snapBackend,
        cliMs: snapCli,
        cli: 'svn export trunk/group-3',
      },
    ];
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'flotilla-bench-vcs-'));
  try {
    const load = loadavg().map((l) => l.toFixed(2));
    console.log(
      `machine: ${cpus().length} cores, load average ${load.join(' / ')} (1 / 5 / 15 min) at start`,
    );
    console.log(
      `VCS bench: ${FILES} files in ${GROUPS} groups × ${COMMITS} commits (${CHANGES_PER_COMMIT} files changed per commit), servers on 127.0.0.1`,
    );
    const only = process.env.ONLY;
    const git = only === 'svn' ? null : await benchGit(scratch);
    const svn = only === 'git' ? null : await benchSvn(scratch);
    if (git) printGit(git);
    if (svn) print('SVN: SvnBackend (svn/svnmucc via execFile) vs raw svn CLI', svn);
    if (!only) await benchEgress();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
