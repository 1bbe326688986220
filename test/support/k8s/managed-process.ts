import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

/** How a managed process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Every process still running and every temp dir still present, for the last-resort cleanup. */
const liveProcesses = new Set<ManagedProcess>();
const liveDirs = new Set<string>();
let cleanupInstalled = false;

const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Kills every live child with SIGKILL and removes every registered dir,
 * synchronously — the only kind of work an 'exit' listener can do.
 */
function cleanupNow(): void {
  for (const proc of liveProcesses) {
    proc.killNow();
  }
  for (const dir of liveDirs) {
    rmSync(dir, { recursive: true, force: true });
  }
  liveDirs.clear();
}

let handlingSignal = false;

function onSignal(signal: NodeJS.Signals): void {
  if (handlingSignal) {
    return;
  }
  handlingSignal = true;
  // A signal handler, unlike an exit handler, may wait: waiting for the
  // children to be reaped means they leave no zombie behind.
  void Promise.all([...liveProcesses].map((proc) => proc.stop(0))).finally(() => {
    cleanupNow();
    // With no other listener, Node would have terminated on this signal;
    // having listened, we re-raise it ourselves. If someone else listens
    // (vitest does), termination is theirs to do.
    if (process.listenerCount(signal) === 1) {
      for (const sig of FORWARDED_SIGNALS) {
        process.removeListener(sig, onSignal);
      }
      process.kill(process.pid, signal);
    }
  });
}

/**
 * Installs, once per process, the handlers that make sure no etcd or
 * kube-apiserver outlives the test run, also when the run is interrupted or a
 * test throws before its teardown. A SIGKILL of the test runner itself cannot
 * be caught; then the children must be killed by hand (see docs).
 */
function installCleanup(): void {
  if (cleanupInstalled) {
    return;
  }
  cleanupInstalled = true;
  process.on('exit', cleanupNow);
  // Worker threads receive no signals; their parent process cleans up.
  if (isMainThread) {
    for (const sig of FORWARDED_SIGNALS) {
      process.on(sig, onSignal);
    }
  }
}

/** Registers a temp dir to be deleted if the process exits before its owner deletes it. */
export function trackTempDir(dir: string): void {
  installCleanup();
  liveDirs.add(dir);
}

/** Deletes a temp dir registered with {@link trackTempDir}. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  liveDirs.delete(dir);
}

/**
 * A child process (etcd or kube-apiserver) whose output goes to a log file and
 * which is stopped gracefully, then forcibly, and killed on runner exit.
 */
export class ManagedProcess {
  /** Process id, for tests that check nothing is left behind. */
  readonly pid: number;
  readonly logFile: string;
  private exit: ProcessExit | undefined;
  private readonly exited: Promise<ProcessExit>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    logFile: string,
  ) {
    if (child.pid === undefined) {
      throw new Error(`${name} did not start`);
    }
    this.pid = child.pid;
    this.logFile = logFile;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        liveProcesses.delete(this);
        resolve(this.exit);
      });
    });
  }

  /**
   * Spawns `command` with an argument array (never a shell string), stdout and
   * stderr appended to `logFile`. A file instead of a pipe means a chatty
   * child can never block on a full pipe nobody reads.
   */
  static async start(
    name: string,
    command: string,
    args: readonly string[],
    logFile: string,
  ): Promise<ManagedProcess> {
    installCleanup();
    const fd = openSync(logFile, 'a');
    try {
      const child = spawn(command, args, { stdio: ['ignore', fd, fd] });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (error) =>
          reject(new Error(`cannot start ${name} (${command}): ${error.message}`)),
        );
      });
      const proc = new ManagedProcess(name, child, logFile);
      liveProcesses.add(proc);
      return proc;
    } finally {
      // The child holds its own copy of the descriptor.
      closeSync(fd);
    }
  }

  /** How the process ended, or undefined while it runs. */
  get exitStatus(): ProcessExit | undefined {
    return this.exit;
  }

  /** Last lines of the log, for error messages when start-up fails. */
  logTail(lines = 25): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.exit !== undefined) {
      return;
    }
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const result = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  /** Synchronous SIGKILL for exit handlers, which cannot wait. */
  killNow(): void {
    if (this.exit === undefined) {
      this.child.kill('SIGKILL');
    }
  }
}
