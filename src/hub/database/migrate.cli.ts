import { join } from 'node:path';
import { loadHubConfig } from '../config/hub-config.js';
import { createDataSource, runMigrations } from './data-source.js';
import { startEmbeddedPostgres } from './embedded-postgres.launcher.js';

/**
 * `npm run migration:run`: applies pending migrations to DATABASE_MIGRATION_URL, else
 * DATABASE_URL (or to the embedded
 * Postgres under FLOTILLA_DATA_DIR) and exits. Safe to run from several places at once.
 */
async function main(): Promise<void> {
  const config = loadHubConfig();
  const url = config.databaseMigrationUrl ?? config.databaseUrl;
  const pg = url ? null : await startEmbeddedPostgres({ dir: join(config.dataDir, 'postgres') });
  const ds = createDataSource(url ?? pg!.url, { poolSize: 2 });
  try {
    await ds.initialize();
    const applied = await runMigrations(ds);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await pg?.stop();
  }
}

main().catch((e: Error) => {
  process.stderr.write(`flotilla: migration failed: ${e.message}\n`);
  process.exit(1);
});
