/**
 * A {@link Deadline} for synchronous code: the function runs inside a `node:vm` script whose
 * timeout terminates whatever JavaScript runs at that moment, a comprehension or a regular
 * expression's backtracking included. No IO: it bounds computation only.
 */
import { createContext, runInContext } from 'node:vm';
import { DeadlineExceeded, type Deadline } from './custom-health.js';

const context = createContext(Object.create(null) as object);

/** CPU time this thread has used, in ms (the whole process's where Node cannot tell threads apart). */
function cpuMs(): number {
  const usage = typeof process.threadCpuUsage === 'function' ? process.threadCpuUsage() : process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function runOnce<T>(fn: () => T, ms: number): T {
  (context as { run?: () => T }).run = fn;
  try {
    return runInContext('run()', context, { timeout: ms, displayErrors: false }) as T;
  } finally {
    (context as { run?: () => T }).run = undefined;
  }
}

const timedOut = (error: unknown) => (error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';

/**
 * The vm's watchdog counts wall-clock time, so on a busy machine (an agent's node under load) a
 * cheap expression the scheduler set aside for 50 ms was stopped as if it ran away: its object
 * reported Unknown for no reason of its own. A run stopped having used less than half its time
 * on the CPU is tried once more; a runaway expression uses the CPU and is stopped the first time.
 */
export const vmDeadline: Deadline = <T>(fn: () => T, ms: number): T => {
  for (let attempt = 1; ; attempt++) {
    const cpuBefore = cpuMs();
    try {
      return runOnce(fn, ms);
    } catch (error) {
      if (!timedOut(error)) throw error;
      if (attempt === 1 && cpuMs() - cpuBefore < ms / 2) continue;
      throw new DeadlineExceeded(ms);
    }
  }
};
