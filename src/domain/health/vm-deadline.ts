/**
 * A {@link Deadline} for synchronous code: the function runs inside a `node:vm` script whose
 * timeout terminates whatever JavaScript runs at that moment, a comprehension or a regular
 * expression's backtracking included. No IO: it bounds computation only.
 */
import { createContext, runInContext } from 'node:vm';
import { DeadlineExceeded, type Deadline } from './custom-health.js';

const context = createContext(Object.create(null) as object);

export const vmDeadline: Deadline = <T>(fn: () => T, ms: number): T => {
  (context as { run?: () => T }).run = fn;
  try {
    return runInContext('run()', context, { timeout: ms, displayErrors: false }) as T;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new DeadlineExceeded(ms);
    throw error;
  } finally {
    (context as { run?: () => T }).run = undefined;
  }
};
