import {
  NodeProcessRunner,
  type ProcessOptions,
  type ProcessResult,
  type ProcessRunner,
} from '../../src/vcs/process-runner.js';

/** One process a backend started: what `ps` and `/proc/<pid>/environ` would show. */
export interface RecordedCall {
  file: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  stdin: string;
}

/** The real process runner, recording what it was asked to run before it runs it. */
export class RecordingRunner implements ProcessRunner {
  readonly calls: RecordedCall[] = [];
  private readonly inner = new NodeProcessRunner();
  run(file: string, args: readonly string[], options: ProcessOptions = {}): Promise<ProcessResult> {
    this.calls.push({ file, args, env: options.env ?? process.env, stdin: String(options.stdin ?? '') });
    return this.inner.run(file, args, options);
  }
}
