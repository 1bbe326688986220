import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { gitFixture, type ExternalFile, type VcsFixture } from '../support/vcs-fixtures.js';

/** What a CLI run left behind. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The compiled CLI, relative to the repository root (vitest's working directory). */
export const CLI = 'dist/src/cli/main.js';

/**
 * A CLI session for a test: its own config file (FLOTILLA_CONFIG in a fresh temp dir) and an
 * environment without the caller's FLOTILLA_* or colour settings, unless a run adds them.
 */
export class CliSession {
  readonly configFile: string;

  private constructor(
    readonly dir: string,
    readonly baseEnv: NodeJS.ProcessEnv,
  ) {
    this.configFile = join(dir, 'config', 'flotilla', 'config.json');
  }

  static async create(env: Record<string, string> = {}): Promise<CliSession> {
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-cli-test-'));
    const base: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env))
      if (!/^(FLOTILLA_|NO_COLOR$|FORCE_COLOR$|XDG_CONFIG_HOME$)/.test(k)) base[k] = v;
    const s = new CliSession(dir, base);
    s.baseEnv.FLOTILLA_CONFIG = s.configFile;
    Object.assign(s.baseEnv, env);
    return s;
  }

  /** Starts the CLI; the caller reads its streams and waits for it. */
  spawn(args: string[], opts: { env?: Record<string, string | undefined> } = {}): ChildProcess {
    return spawn(process.execPath, [CLI, ...args], {
      env: { ...this.baseEnv, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  /** Runs the CLI to completion with optional stdin. */
  run(
    args: string[],
    opts: { env?: Record<string, string | undefined>; input?: string } = {},
  ): Promise<CliResult> {
    const child = this.spawn(args, opts);
    return collect(child, opts.input);
  }

  /** Runs and expects exit code 0, returning stdout (the failure message shows stderr). */
  async ok(
    args: string[],
    opts: { env?: Record<string, string | undefined>; input?: string } = {},
  ): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`flotilla ${args.join(' ')} exited ${r.code}\n${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** Runs with `-o json` and parses stdout. */
  async json(
    args: string[],
    opts: { env?: Record<string, string | undefined>; input?: string } = {},
  ): Promise<any> {
    return JSON.parse(await this.ok([...args, '-o', 'json'], opts));
  }

  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Waits for a child to exit, gathering its output. */
export function collect(child: ChildProcess, input?: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin!.end(input ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A hub for the test file and a CLI session that reaches it as admin (FLOTILLA_URL, FLOTILLA_TOKEN). */
export async function startHubWithCli(): Promise<{ h: TestHub; cli: CliSession }> {
  const h = await startTestHub(inject('postgresUrl'));
  try {
    return { h, cli: await CliSession.create({ FLOTILLA_URL: h.url, FLOTILLA_TOKEN: h.adminToken }) };
  } catch (e) {
    await h.close();
    throw e;
  }
}

/**
 * A Git fixture with one repository holding `files` (committed as "initial"), added to the hub
 * through the CLI as `name` and fetched once. The caller closes `fx`.
 */
export async function addGitRepo(
  cli: CliSession,
  name: string,
  files: Record<string, ExternalFile>,
): Promise<{ fx: VcsFixture; id: string }> {
  const fx = await gitFixture(false);
  try {
    const repo = await fx.createRepo();
    await fx.externalCommit(repo, files, 'initial');
    const { id } = await cli.json(['repo', 'add', name, '--git', repo.url]);
    await cli.ok(['repo', 'refresh', name]);
    return { fx, id };
  } catch (e) {
    await fx.close();
    throw e;
  }
}
