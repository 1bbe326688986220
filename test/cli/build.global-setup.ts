import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Builds the project once for the whole `cli` run, so every test drives the real compiled
 * `dist/src/cli/main.js`, as the installed bin would run.
 */
export default async function setup(): Promise<void> {
  try {
    await promisify(execFile)(
      process.execPath,
      ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'],
      {
        maxBuffer: 64 * 1024 * 1024,
      },
    );
  } catch (e) {
    throw new Error(`build failed: ${(e as { stdout?: string }).stdout ?? String(e)}`);
  }
}
