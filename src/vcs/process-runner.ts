import { spawn } from 'node:child_process';

/** What a finished child process left behind. */
export interface ProcessResult {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  stdout: Buffer;
  stderr: string;
  /** True when stdout went over `maxStdoutBytes` and the process was killed. */
  truncated: boolean;
  /** True when the process was killed for running longer than `timeoutMs`. */
  timedOut: boolean;
}

/** How to run a process. */
export interface ProcessOptions {
  /** Written to the child's stdin, then stdin is closed (how secrets reach `svn`). */
  stdin?: string | Buffer;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the child after this long. Default 120 s. */
  timeoutMs?: number;
  /** Kill the child once stdout exceeds this many bytes. Default 256 MiB. */
  maxStdoutBytes?: number;
}

/**
 * Runs a program with an argument vector. The only way src/vcs starts processes, so tests can
 * substitute it and so no code path can reach a shell: there is no `shell` option here at all.
 */
export interface ProcessRunner {
  run(file: string, args: readonly string[], options?: ProcessOptions): Promise<ProcessResult>;
}

/** {@link ProcessRunner} over `child_process.spawn` (never with `shell: true`). */
export class NodeProcessRunner implements ProcessRunner {
  run(file: string, args: readonly string[], options: ProcessOptions = {}): Promise<ProcessResult> {
    const maxStdout = options.maxStdoutBytes ?? 256 * 1024 * 1024;
    return new Promise((resolvePromise, reject) => {
      const child = spawn(file, [...args], {
        cwd: options.cwd,
        env: options.env ?? process.env,
        shell: false,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      let outBytes = 0;
      let err = '';
      let truncated = false;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, options.timeoutMs ?? 120_000);
      child.stdout.on('data', (chunk: Buffer) => {
        if (truncated) return;
        outBytes += chunk.length;
        if (outBytes > maxStdout) {
          truncated = true;
          child.kill('SIGKILL');
          return;
        }
        out.push(chunk);
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        if (err.length < 64 * 1024) err += chunk;
      });
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolvePromise({ code, stdout: Buffer.concat(out), stderr: err, truncated, timedOut });
      });
      // A child that exits before reading stdin makes the write fail with EPIPE; its exit code tells the story.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.stdin ?? '');
    });
  }
}
