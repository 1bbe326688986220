/**
 * `npm run demo` end to end, the way a person runs it: started from npm in its own process group,
 * waited on until it prints that it is running, checked in its own cluster, then stopped with
 * SIGINT to the whole group (what Ctrl-C at a terminal sends) — and nothing may be left behind.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../helm/helm-tools.js';

/** Pids of every live descendant of `root`, read from /proc. */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the parenthesised command name: state, ppid, …
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(entry), ppid);
    } catch {
      /* exited meanwhile */
    }
  }
  const found: number[] = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === root) {
        found.push(pid);
        break;
      }
    }
  }
  return found;
}

/** True while a process exists and is not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

let groupLeader: number | undefined;
afterAll(() => {
  // Only if the test failed half-way: do not leave a running demo behind.
  if (groupLeader !== undefined && alive(groupLeader)) process.kill(-groupLeader, 'SIGKILL');
});

describe('npm run demo', () => {
  it('deploys the example applications (manifests and a Helm chart) to its cluster and leaves nothing behind on Ctrl-C', async () => {
    const child = spawn('npm', ['run', 'demo'], {
      detached: true, // its own process group, like a shell job; SIGINT goes to all of it
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    groupLeader = child.pid!;
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    const deadline = Date.now() + 280_000;
    while (!stdout.includes('Press Ctrl-C to stop everything')) {
      if (child.exitCode !== null) throw new Error(`demo exited early:\n${stdout}\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`demo did not come up:\n${stdout}\n${stderr}`);
      await sleep(250);
    }

    // What it printed is enough to use it: the admin token works, the cluster has the application.
    const hubUrl = /hub {10}(http:\/\/\S+)/.exec(stdout)![1];
    const token = /admin token {2}(\S+)/.exec(stdout)![1];
    const kubeconfig = /kubeconfig: (\S+)/.exec(stdout)![1];
    const kubectl = /\n {5}(\S+kubectl) --kubeconfig/.exec(stdout)![1];
    const tempDir = kubeconfig.replace(/\/kubeconfig$/, '');
    const app = await fetch(`${hubUrl}/api/v1/applications/guestbook`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(app.status).toBe(200);
    const greeting = await run(kubectl, [
      '--kubeconfig',
      kubeconfig,
      'get',
      '-n',
      'guestbook',
      'configmap/guestbook-config',
      '-o',
      'jsonpath={.data.greeting}',
    ]);
    expect(greeting.stdout).toBe('Hello from demo-cluster (env demo)');
    const message = await run(kubectl, [
      '--kubeconfig',
      kubeconfig,
      'get',
      '-n',
      'hello',
      'configmap/hello-message',
      '-o',
      'jsonpath={.data.message}',
    ]);
    expect(message.stdout).toBe('Hello from demo-cluster, rendered by helm on the hub');
    const objects = await run(kubectl, [
      '--kubeconfig',
      kubeconfig,
      'get',
      '-n',
      'guestbook',
      'deploy,svc',
      '-o',
      'name',
    ]);
    expect(objects.stdout.trim().split('\n').sort()).toEqual([
      'deployment.apps/guestbook',
      'service/guestbook',
    ]);

    const running = descendants(groupLeader);
    // npm, the shell, tsx, the demo, hub, its PostgreSQL, agent, etcd, kube-apiserver…
    expect(running.length).toBeGreaterThanOrEqual(6);

    process.kill(-groupLeader, 'SIGINT');
    const code = await Promise.race([exited, sleep(60_000).then(() => 'timeout' as const)]);
    expect(code).not.toBe('timeout');
    expect(stderr).toContain('stopped; temporary files removed');

    // Every process it started is gone (reaped, not a zombie), and so is its temp dir.
    for (let i = 0; i < 40 && running.some(alive); i++) await sleep(250);
    expect(running.filter(alive)).toEqual([]);
    expect(existsSync(tempDir)).toBe(false);
    groupLeader = undefined;
  }, 300_000);
});
