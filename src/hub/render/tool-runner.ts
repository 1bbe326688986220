import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { relativePathProblem, rewriteToolMessage } from '../../domain/render/source-spec.js';
import { ConcurrencyLimit } from '../platform/concurrency-limit.js';
import { type ProcessRunner } from '../../vcs/index.js';
import { type RenderTool, type ToolBinaries } from './tool-binaries.js';

/** One tool run over a copy of a source tree. */
export interface ToolRun {
  tool: RenderTool;
  /** Arguments, with paths relative to the tree root (the working directory). */
  args: string[];
  /** The tree: paths relative to its root → content. Only these files exist for the tool. */
  files: ReadonlyMap<string, Buffer>;
  /** Written next to the tree, not in it (e.g. inline values): name → content; refer to them as `../name`. */
  sideFiles?: ReadonlyMap<string, Buffer>;
  /** Where the tree lives in the repository, for messages (`apps/web`). */
  repositoryPath: string;
  /**
   * Shared by the runs of one render: a run that times out or passes the output cap aborts it
   * (before its slot goes to the next run), and a run that finds it aborted does not start.
   */
  giveUp?: AbortController;
}

/**
 * What a run gave: the tool's standard output, or its refusal as the user should read it (temporary
 * paths replaced by repository paths). `cacheable` is false for outcomes that say nothing about the
 * input (timeout, output cap, a tool that could not start), so they are retried next time.
 */
export type ToolOutcome =
  { ok: true; stdout: Buffer; cacheable: true } | { ok: false; message: string; cacheable: boolean };

/** Bounds on every run. */
export interface ToolRunnerOptions {
  /** Kill a run after this long. Default 60 s. */
  timeoutMs: number;
  /** Kill a run whose output passes this many bytes. Default 64 MiB (the bundle limit). */
  maxOutputBytes: number;
  /** Runs at once in this process. Default 2. */
  concurrency: number;
  /** Where temporary trees go; default the OS temp directory. */
  tempRoot?: string;
}

/** Temporary trees are named with this prefix, so orphans of a killed hub can be found. */
const TREE_PREFIX = 'flotilla-render-';
/** A tree older than this cannot belong to a run still going (the timeout is far shorter). */
const ORPHAN_AGE_MS = 15 * 60_000;

const DEFAULTS: ToolRunnerOptions = { timeoutMs: 60_000, maxOutputBytes: 64 * 1024 * 1024, concurrency: 2 };
/** Most of a tool's error output quoted back. */
const MAX_MESSAGE_CHARS = 4_000;

/**
 * Runs helm and kustomize for the renderer, as safely as a process can be run: the tree is written
 * to a fresh private directory holding nothing else (so the tool sees only the application's
 * files), the binary is started with an argument array and no shell, in an environment with
 * nothing of the hub's (no `HELM_*` plugin or repository settings, no kubeconfig, no home but the
 * temporary one), under a timeout and an output cap, a few at a time; the directory is removed
 * afterwards however the run ended.
 */
export class ToolRunner {
  private readonly limit: ConcurrencyLimit;
  private readonly options: ToolRunnerOptions;
  private swept: Promise<void> | undefined;

  constructor(
    private readonly binaries: ToolBinaries,
    private readonly processes: ProcessRunner,
    options: Partial<ToolRunnerOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.limit = new ConcurrencyLimit(this.options.concurrency);
  }

  /** Runs the tool; a tool's own refusal is an outcome, a missing binary throws `ToolMissingError`. */
  async run(run: ToolRun): Promise<ToolOutcome> {
    const binary = await this.binaries.get(run.tool);
    await (this.swept ??= this.removeOrphans());
    return this.limit.run(async () => {
      if (run.giveUp?.signal.aborted)
        return { ok: false, message: String(run.giveUp.signal.reason), cacheable: false };
      const work = await mkdtemp(join(this.options.tempRoot ?? tmpdir(), TREE_PREFIX));
      try {
        await chmod(work, 0o700);
        const tree = join(work, 'tree');
        const home = join(work, 'home');
        await mkdir(home, { mode: 0o700 });
        await writeTree(tree, run.files);
        for (const [name, content] of run.sideFiles ?? []) await writeInside(work, name, content);
        let result;
        try {
          result = await this.processes.run(binary.path, run.args, {
            cwd: tree,
            env: cleanEnvironment(home),
            timeoutMs: this.options.timeoutMs,
            maxStdoutBytes: this.options.maxOutputBytes,
          });
        } catch (e) {
          // found at lookup, gone or broken since (an upgrade in place): this run fails, not the hub
          return {
            ok: false,
            message: `${run.tool} could not be started: ${(e as Error).message}`,
            cacheable: false,
          };
        }
        const rewrite = (text: string) =>
          rewriteToolMessage(text, tree, run.repositoryPath).split(work).join('');
        const exhausted = result.timedOut
          ? `${run.tool} ran longer than ${this.options.timeoutMs} ms`
          : result.truncated
            ? `${run.tool} output is over the limit of ${this.options.maxOutputBytes} bytes`
            : undefined;
        if (exhausted) {
          run.giveUp?.abort(
            `not rendered: ${run.tool} already failed for another cluster of this revision (${exhausted})`,
          );
          return { ok: false, message: exhausted, cacheable: false };
        }
        if (result.code !== 0) {
          const text = rewrite(result.stderr.trim() || `exited with code ${String(result.code)}`);
          return { ok: false, message: `${run.tool}: ${truncate(text)}`, cacheable: result.code !== null };
        }
        return { ok: true, stdout: result.stdout, cacheable: true };
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });
  }

  /**
   * A hub killed during a run (`kill -9`, OOM) leaves its tree behind: the first run of a process
   * removes trees old enough that no run can still be using them, whichever replica made them.
   */
  private async removeOrphans(): Promise<void> {
    const root = this.options.tempRoot ?? tmpdir();
    const names = await readdir(root).catch(() => [] as string[]);
    const now = Date.now();
    for (const name of names.filter((n) => n.startsWith(TREE_PREFIX))) {
      const info = await stat(join(root, name)).catch(() => undefined);
      if (info?.isDirectory() && now - info.mtimeMs > ORPHAN_AGE_MS)
        await rm(join(root, name), { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

/** Only what the tools need: a PATH for helm's own lookups, and a private home for its settings. */
function cleanEnvironment(home: string): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
    HELM_PLUGINS: join(home, 'plugins'),
    KUBECONFIG: join(home, 'kubeconfig'),
    XDG_CONFIG_HOME: join(home, 'config'),
  };
}

async function writeTree(root: string, files: ReadonlyMap<string, Buffer>): Promise<void> {
  await mkdir(root, { mode: 0o700 });
  for (const [path, content] of files) await writeInside(root, path, content);
}

/** Writes one file under `root`, refusing any path that would land elsewhere. */
async function writeInside(root: string, path: string, content: Buffer): Promise<void> {
  const problem = relativePathProblem(path);
  const target = resolve(root, path);
  if (problem || !target.startsWith(root + sep))
    throw new Error(`refusing to write ${JSON.stringify(path)}: ${problem ?? 'outside the tree'}`);
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  await writeFile(target, content, { mode: 0o600 });
}

function truncate(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}
