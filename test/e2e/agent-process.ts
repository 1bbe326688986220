import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Node's flags for the agent, as the bin, the image and `npm run agent` give them (src/agent/main.ts). */
export const AGENT_NODE_FLAGS = ['--max-semi-space-size=2', '--expose-gc'];

/** A `dist/src/agent/main.js` process started by a test, with its JSON log lines. */
export class AgentProcess {
  logs: Record<string, unknown>[] = [];
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
    private readonly args: string[],
  ) {}

  /** Writes the kubeconfig and a state dir, then starts the agent. */
  static async start(opts: {
    name: string;
    hubUrl: string;
    kubeconfig: string;
    registrationToken: string;
    /** More flags, after the defaults (a later flag wins). */
    extraArgs?: string[];
    /** Node's own flags, instead of the ones the bin and `npm run agent` use (benchmarks compare). */
    nodeArgs?: string[];
    /** More environment variables (benchmarks compare MALLOC_ARENA_MAX settings). */
    env?: Record<string, string>;
  }): Promise<AgentProcess> {
    const dir = await mkdtemp(join(tmpdir(), `flotilla-agent-${opts.name}-`));
    await writeFile(join(dir, 'kubeconfig'), opts.kubeconfig, { mode: 0o600 });
    const agent = new AgentProcess(opts.name, opts.env ?? {}, [
      // The memory settings the bin and `npm run agent` use.
      ...(opts.nodeArgs ?? AGENT_NODE_FLAGS),
      'dist/src/agent/main.js',
      '--hub-url',
      opts.hubUrl,
      '--registration-token',
      opts.registrationToken,
      '--kubeconfig',
      join(dir, 'kubeconfig'),
      '--state-dir',
      join(dir, 'state'),
      '--namespace',
      'flotilla-system',
      '--metrics-port',
      '0',
      '--poll-wait',
      '2',
      '--heartbeat-interval',
      '2',
      '--log-level',
      'debug',
      ...(opts.extraArgs ?? []),
    ]);
    agent.spawn();
    return agent;
  }

  spawn(): void {
    const child = spawn(process.execPath, this.args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MALLOC_ARENA_MAX: '2', ...this.env },
    });
    this.child = child;
    let rest = '';
    child.stdout.on('data', (chunk: Buffer) => {
      rest += chunk.toString('utf8');
      const lines = rest.split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        try {
          this.logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.logs.push({ msg: line });
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => this.logs.push({ stderr: chunk.toString('utf8') }));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** SIGKILL: no goodbye, no flush — what a crash looks like. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    this.child?.kill('SIGTERM');
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 5000))]);
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** Process id of the running agent (benchmarks read its memory from /proc). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The metrics port the agent logged. */
  metricsPort(): number | undefined {
    return this.logs.find((l) => typeof l.metricsPort === 'number')?.metricsPort as number | undefined;
  }

  /** True while the process runs (not killed, not exited). */
  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Status code of GET /healthz on the metrics port (the last one logged: restarts log anew). */
  async healthz(): Promise<number> {
    const port = this.logs.findLast((l) => typeof l.metricsPort === 'number')?.metricsPort as number;
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    return res.status;
  }

  messages(msg: string): Record<string, unknown>[] {
    return this.logs.filter((l) => l.msg === msg);
  }
}
