import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadHubConfig } from '../config/hub-config.js';
import { createDataSource, runMigrations } from './data-source.js';
import { startEmbeddedPostgres } from './embedded-postgres.launcher.js';

/**
 * `npm run migration:generate -- <Name>`: migrates a scratch embedded database to the newest
 * migration, diffs it against the entities, and writes the difference as a new migration
 * under migrations/. Register it in MIGRATIONS (data-source.ts); never edit landed ones.
 */
async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) {
    process.stderr.write('usage: npm run migration:generate -- <PascalCaseName>\n');
    process.exit(2);
  }
  const config = loadHubConfig();
  const scratch = join(config.dataDir, `migration-scratch-${Date.now()}`);
  const pg = await startEmbeddedPostgres({ dir: scratch });
  const ds = createDataSource(pg.url, { poolSize: 2 });
  try {
    await ds.initialize();
    await runMigrations(ds);
    const sql = await ds.driver.createSchemaBuilder().log();
    if (sql.upQueries.length === 0) {
      process.stdout.write('entities and migrations agree: nothing to generate\n');
      return;
    }
    const ts = Date.now();
    const lines = (qs: { query: string }[]) =>
      qs.map((q) => `    await q.query(${JSON.stringify(q.query)});`).join('\n');
    const file = join('migrations', `${ts}-${name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}.ts`);
    await writeFile(
      file,
      `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${name}${ts} implements MigrationInterface {
  name = '${name}${ts}';

  async up(q: QueryRunner): Promise<void> {
${lines(sql.upQueries)}
  }

  async down(q: QueryRunner): Promise<void> {
${lines([...sql.downQueries].reverse())}
  }
}
`,
    );
    process.stdout.write(
      `wrote ${file}; add ${name}${ts} to MIGRATIONS in src/hub/database/data-source.ts\n`,
    );
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await pg.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  process.stderr.write(`flotilla: ${e.message}\n`);
  process.exit(1);
});
