/**
 * The parent's handle on a lean agent simulator ({@link ./lean-agents.ts}) in a child process:
 * its CPU is its own, so the hub's figures are the hub's.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LeanCommand, LeanEvent } from './lean-agents.js';

const SCRIPT = fileURLToPath(new URL('./lean-agents.ts', import.meta.url));

/** N simulated agents in a child process. */
export class LeanFleet {
  readonly child: ChildProcess;
  /** Last progress report: results acknowledged for the wanted revision, failed calls, calls made. */
  progress = { acked: 0, failed: 0, calls: 0 };
  private waiters: { type: LeanEvent['type']; resolve: (e: LeanEvent) => void }[] = [];
  private failure: Error | null = null;

  constructor() {
    this.child = fork(SCRIPT, [], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=2048'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (e: LeanEvent) => {
      if (e.type === 'progress') this.progress = e;
      if (e.type === 'error') this.failure = new Error(`lean agents: ${e.message}`);
      for (const w of [...this.waiters])
        if (w.type === e.type || e.type === 'error') {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(e);
        }
    });
  }

  private next<T extends LeanEvent['type']>(
    type: T,
    timeoutMs: number,
  ): Promise<Extract<LeanEvent, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const timer = setTimeout(
        () => reject(new Error(`lean agents: no ${type} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        type,
        resolve: (e) => {
          clearTimeout(timer);
          if (e.type === 'error') reject(new Error(`lean agents: ${e.message}`));
          else resolve(e as Extract<LeanEvent, { type: T }>);
        },
      });
    });
  }

  private send(c: LeanCommand): void {
    this.child.send(c);
  }

  /** Creates N clusters labelled fleet=<fleet> through the admin API and registers their agents. */
  async register(hub: string, adminToken: string, n: number, fleet: string, width = 32) {
    const answer = this.next('registered', 30 * 60_000);
    this.send({ type: 'register', hub, adminToken, n, fleet, width });
    return answer;
  }

  /** Every agent long-polls (and heartbeats every `heartbeatSeconds`, 0: never). */
  start(waitSeconds: number, heartbeatSeconds: number): void {
    this.send({ type: 'start', waitSeconds, heartbeatSeconds });
  }

  /** Resolves with each agent's acknowledgement time (epoch ms) of a job of `revision`. */
  async waitAcked(revision: string, timeoutMs: number) {
    const answer = this.next('done', timeoutMs);
    this.send({ type: 'want', revision });
    return answer;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const stopped = this.next('stopped', 10_000).catch(() => undefined);
    this.send({ type: 'stop' });
    await stopped;
    this.child.kill('SIGKILL');
  }
}
