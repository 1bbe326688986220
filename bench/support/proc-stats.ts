/**
 * CPU and memory of processes from /proc (Linux), for the benches: a process alone, or a
 * server and its children (Postgres forks one backend per connection plus its workers).
 */
import { readdir, readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux we run on). */
const TICKS_PER_SECOND = 100;

interface Stat {
  ppid: number;
  /** utime + stime, and cutime + cstime (children that ended and were waited for), seconds. */
  cpu: number;
}

async function statOf(pid: number): Promise<Stat | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!text) return null;
  // the command name is in parentheses and may hold spaces: fields start after the last ')'
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // a Postgres backend that ends moves its time to the postmaster's children's fields: counting
  // those too keeps a window's sum from dropping when a connection closes during it
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  return { ppid: Number(f[1]), cpu: ticks / TICKS_PER_SECOND };
}

/** `pid` and its direct children. */
export async function processTree(pid: number): Promise<number[]> {
  const out = [pid];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = await statOf(Number(name));
    if (s?.ppid === pid) out.push(Number(name));
  }
  return out;
}

/** CPU seconds (user + system) used so far by these processes (the ones still there) and their ended children. */
export async function cpuSeconds(pids: number[]): Promise<number> {
  let sum = 0;
  for (const p of pids) sum += (await statOf(p))?.cpu ?? 0;
  return sum;
}

/** Resident memory in MiB: VmRSS (now) or VmHWM (peak), summed over the processes. */
export async function rssMiB(pids: number[], field: 'VmRSS' | 'VmHWM' = 'VmRSS'): Promise<number> {
  let kib = 0;
  for (const p of pids) {
    const text = await readFile(`/proc/${p}/status`, 'utf8').catch(() => '');
    kib += Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
  }
  return kib / 1024;
}

/**
 * Share of one core used by `pids()` over `seconds` (1.0 = one core busy), and that of `other`
 * processes in the same window. `pids` is called at both ends so processes that come and go
 * (Postgres backends) are counted while they are there.
 */
export async function cpuShare(
  groups: Record<string, () => Promise<number[]>>,
  seconds: number,
): Promise<Record<string, number>> {
  const before: Record<string, number> = {};
  for (const [k, pids] of Object.entries(groups)) before[k] = await cpuSeconds(await pids());
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const wall = (performance.now() - t0) / 1000;
  const out: Record<string, number> = {};
  for (const [k, pids] of Object.entries(groups))
    out[k] = ((await cpuSeconds(await pids())) - before[k]) / wall;
  return out;
}

/**
 * Proportional memory (Pss) in MiB summed over the processes: shared memory (Postgres' shared
 * buffers) counted once across them, not once per backend as RSS would.
 */
export async function pssMiB(pids: number[]): Promise<number> {
  let kib = 0;
  for (const p of pids) {
    const text = await readFile(`/proc/${p}/smaps_rollup`, 'utf8').catch(() => '');
    kib += Number(/Pss:\s+(\d+)/.exec(text)?.[1] ?? 0);
  }
  return kib / 1024;
}

/** "2 cores, load average 0.58 1.25 2.09": what the figures were measured on. */
export function machineLine(): string {
  return `${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
}
