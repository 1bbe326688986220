import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Runs a tool for a test harness (git, svn, svnadmin) with an argument array, never a shell;
 * returns stdout. Failures carry stderr so a broken fixture explains itself.
 */
export async function run(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  try {
    const { stdout } = await execFileAsync(file, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      maxBuffer: 512 * 1024 * 1024,
    });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${err.stderr ?? err.message}`);
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Pushes one empty commit (`message`) to the `main` branch of the bare repository `bare`, made in a new work
 * tree at `wt` (which later commits may use); returns its commit id.
 */
export async function pushFirstCommit(bare: string, wt: string, message = 'one'): Promise<string> {
  await run('git', ['init', '--quiet', '--initial-branch=main', wt]);
  const identity = ['-c', 'user.name=t', '-c', 'user.email=t@e'];
  await run('git', ['-C', wt, ...identity, 'commit', '--quiet', '--allow-empty', '-m', message]);
  await run('git', ['-C', wt, 'push', '--quiet', bare, 'HEAD:refs/heads/main']);
  return (await run('git', ['-C', wt, 'rev-parse', 'HEAD'])).trim();
}
