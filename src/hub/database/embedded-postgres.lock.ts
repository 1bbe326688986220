import { readFile, readlink, realpath, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What `/proc` tells about the process a `postmaster.pid` names. */
export interface ProcessFacts {
  /** `missing`: no such process (or not ours to signal, which PostgreSQL treats the same way). */
  state: 'missing' | 'zombie' | 'running';
  ppid?: number;
  /** Resolved executable and working directory; absent when the platform has no `/proc`. */
  exe?: string;
  cwd?: string;
}

/** Who started the embedded server last: written next to `pgdata/` after each start. */
export interface OwnerRecord {
  pid: number;
  /** The owner's start time in clock ticks since boot (`/proc/<pid>/stat`), against pid reuse. */
  startTicks: string;
}

/** What to do about an existing `postmaster.pid`. */
export type LockVerdict =
  | { kind: 'stale' }
  | { kind: 'unreadable' }
  | { kind: 'foreign'; pid: number }
  | { kind: 'in-use'; pid: number; ownerPid: number }
  | { kind: 'orphan'; pid: number };

/** Everything {@link judgeLock} weighs, gathered by {@link inspectDataDirectory}. */
export interface LockFacts {
  /** First line of `postmaster.pid` as a number; NaN when empty or garbled. */
  pid: number;
  /** Pids that PostgreSQL itself treats as "cannot be the lock holder": ours and our parent's. */
  selfPids: number[];
  process: ProcessFacts;
  /** Resolved path of the `postgres` binary we would start, and of the data directory. */
  binary: string;
  pgdata: string;
  owner: OwnerRecord | null;
  /** Whether the recorded owner is still the same live process. */
  ownerAlive: boolean;
}

/**
 * Decides what a `postmaster.pid` means, following PostgreSQL's own rules (miscinit.c:
 * a lock naming a dead process, or ours or our parent's, is stale) and adding one of ours:
 * a live server started from our binary on this data directory whose starter is gone is our
 * orphan, left by a hub that was SIGKILLed, and may be stopped.
 */
export function judgeLock(f: LockFacts): LockVerdict {
  if (!Number.isInteger(f.pid) || f.pid <= 0) return { kind: 'unreadable' };
  if (f.selfPids.includes(f.pid)) return { kind: 'stale' };
  // A zombie has exited and only waits to be reaped: it holds neither files nor shared memory.
  if (f.process.state !== 'running') return { kind: 'stale' };
  const ours = f.process.exe === f.binary && f.process.cwd === f.pgdata;
  if (!ours) return { kind: 'foreign', pid: f.pid };
  const starter = f.owner && f.ownerAlive && f.process.ppid === f.owner.pid ? f.owner.pid : null;
  // Without a record (a server from an older version), only a parent of 1 proves the starter gone.
  if (starter !== null || (!f.owner && f.process.ppid !== 1))
    return { kind: 'in-use', pid: f.pid, ownerPid: f.process.ppid ?? -1 };
  return { kind: 'orphan', pid: f.pid };
}

/** Reads what `/proc` knows about `pid`; on platforms without `/proc`, only whether it lives. */
export async function processFacts(pid: number): Promise<ProcessFacts> {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: another user's process, which cannot be a postmaster of a directory we own —
    // PostgreSQL also counts it as stale.
    if ((e as NodeJS.ErrnoException).code === 'ESRCH' || (e as NodeJS.ErrnoException).code === 'EPERM')
      return { state: 'missing' };
    throw e;
  }
  const stat = await readStat(pid);
  if (!stat) return { state: 'running' };
  if (stat.state === 'Z' || stat.state === 'X') return { state: 'zombie', ppid: stat.ppid };
  const [exe, cwd] = await Promise.all([resolveLink(`/proc/${pid}/exe`), resolveLink(`/proc/${pid}/cwd`)]);
  return { state: 'running', ppid: stat.ppid, exe, cwd };
}

/** Where a `/proc` link points, resolved; undefined when it cannot be read. */
async function resolveLink(link: string): Promise<string | undefined> {
  try {
    return await realpath(await readlink(link));
  } catch {
    return undefined;
  }
}

async function readStat(pid: number): Promise<{ state: string; ppid: number; startTicks: string } | null> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: split after its last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], ppid: Number(fields[1]), startTicks: fields[19] };
}

const ownerFile = (dir: string) => join(dir, 'postgres.owner');

/** Records this process as the starter of the embedded server in `dir`. */
export async function recordOwner(dir: string): Promise<void> {
  const stat = await readStat(process.pid);
  if (!stat) return;
  const record: OwnerRecord = { pid: process.pid, startTicks: stat.startTicks };
  await writeFile(ownerFile(dir), JSON.stringify(record) + '\n', { mode: 0o600 });
}

async function readOwner(dir: string): Promise<{ owner: OwnerRecord | null; ownerAlive: boolean }> {
  let owner: OwnerRecord | null = null;
  try {
    const parsed = JSON.parse(await readFile(ownerFile(dir), 'utf8')) as Partial<OwnerRecord>;
    if (typeof parsed.pid === 'number' && typeof parsed.startTicks === 'string')
      owner = { pid: parsed.pid, startTicks: parsed.startTicks };
  } catch {
    owner = null;
  }
  if (!owner) return { owner, ownerAlive: false };
  const stat = await readStat(owner.pid);
  return { owner, ownerAlive: stat !== null && stat.state !== 'Z' && stat.startTicks === owner.startTicks };
}

/** Gathers the facts about `pgdata/postmaster.pid`; null when there is no such file. */
export async function inspectDataDirectory(
  dir: string,
  pgdata: string,
  binary: string,
): Promise<LockFacts | null> {
  let text: string;
  try {
    text = await readFile(join(pgdata, 'postmaster.pid'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const first = text.split('\n')[0].trim();
  const pid = /^\d+$/.test(first) ? Number(first) : NaN;
  const process_ = Number.isInteger(pid) && pid > 0 ? await processFacts(pid) : { state: 'missing' as const };
  return {
    pid,
    selfPids: [process.pid, process.ppid],
    process: process_,
    binary: await realpath(binary),
    pgdata: await realpath(pgdata),
    ...(await readOwner(dir)),
  };
}

/** Thrown when the data directory belongs to a server that is not our orphan. */
export class DataDirectoryInUseError extends Error {}

/**
 * Makes `pgdata` free for a new server: removes a stale lock, stops our own orphaned server
 * (fast shutdown, then immediate shutdown if it hangs) and waits for a server that is already
 * going away; refuses a live server that is not ours, or is still attached to its hub.
 */
export async function claimDataDirectory(
  dir: string,
  pgdata: string,
  binary: string,
  log: (line: string) => void,
  timeoutMs = 60_000,
): Promise<void> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let signalled: 'SIGINT' | 'SIGQUIT' | null = null;
  let firstSignalAt = 0;
  for (;;) {
    const facts = await inspectDataDirectory(dir, pgdata, binary);
    if (!facts) return;
    const verdict = judgeLock(facts);
    const late = Date.now() > deadline;
    switch (verdict.kind) {
      case 'stale':
        await rm(join(pgdata, 'postmaster.pid'), { force: true });
        return;
      case 'unreadable':
        // PostgreSQL refuses an empty lock file because another server may be writing it.
        if (Date.now() - started > 3_000)
          throw new DataDirectoryInUseError(
            `the embedded Postgres data directory ${pgdata} has an empty or unreadable postmaster.pid; ` +
              'if no PostgreSQL runs on it, delete that file',
          );
        break;
      case 'foreign':
        throw new DataDirectoryInUseError(
          `the embedded Postgres data directory ${pgdata} is in use by process ${verdict.pid}`,
        );
      case 'in-use':
        throw new DataDirectoryInUseError(
          `the embedded Postgres data directory ${pgdata} is in use by process ${verdict.pid}, ` +
            `started by the running process ${verdict.ownerPid} (another hub on the same FLOTILLA_DATA_DIR?)`,
        );
      case 'orphan':
        if (late)
          throw new DataDirectoryInUseError(
            `the orphaned embedded Postgres (process ${verdict.pid}) on ${pgdata} did not stop in ${timeoutMs / 1000} s`,
          );
        if (!signalled) {
          log(`stopping the embedded Postgres (process ${verdict.pid}) left running by a previous hub`);
          signalled = 'SIGINT';
          firstSignalAt = Date.now();
          process.kill(verdict.pid, 'SIGINT');
        } else if (signalled === 'SIGINT' && Date.now() - firstSignalAt > timeoutMs / 2) {
          // Immediate shutdown: the next start runs crash recovery, which is what it is for.
          signalled = 'SIGQUIT';
          process.kill(verdict.pid, 'SIGQUIT');
        }
        break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
