import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/hub/database/embedded-postgres.launcher.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the Postgres server the integration tests use (embedded unless DATABASE_URL). */
    postgresUrl: string;
  }
}

/**
 * Starts one real PostgreSQL for the whole integration run (or uses DATABASE_URL); each test
 * file then creates its own database on it, so files cannot see each other's rows.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.DATABASE_URL) {
    project.provide('postgresUrl', process.env.DATABASE_URL);
    return () => Promise.resolve();
  }
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-test-pg-'));
  await chmod(dir, 0o711);
  const pg = await startEmbeddedPostgres({ dir: join(dir, 'pg') });
  project.provide('postgresUrl', pg.url);
  return async () => {
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
