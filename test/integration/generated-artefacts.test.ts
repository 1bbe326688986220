import { readFile } from 'node:fs/promises';
import { describe, expect, inject, it } from 'vitest';
import { createDataSource, MIGRATIONS, runMigrations } from '../../src/hub/database/data-source.js';
import { generateOpenApiText } from '../../src/hub/openapi/openapi.cli.js';
import { API_TYPES_FILE, apiTypesText } from '../../scripts/api-types.js';
import { createTestDatabase, startTestHub } from '../support/hub-harness.js';

describe('generated artefacts are current', () => {
  it('docs/openapi.json matches the code (run `npm run openapi` after changing the API)', async () => {
    const committed = await readFile('docs/openapi.json', 'utf8');
    expect(await generateOpenApiText()).toBe(committed);
  });

  it('the CLI and dashboard API types match docs/openapi.json (run `npm run openapi`)', async () => {
    const committed = await readFile(API_TYPES_FILE, 'utf8');
    expect(await apiTypesText(await readFile('docs/openapi.json', 'utf8'))).toBe(committed);
  });

  it('the running hub serves the same OpenAPI document (and Swagger UI when turned on)', async () => {
    const h = await startTestHub(inject('postgresUrl'), { FLOTILLA_SWAGGER_UI: 'true' });
    try {
      const served = await h.api('GET', '/api/openapi.json', { token: null });
      expect(served.body).toEqual(JSON.parse(await readFile('docs/openapi.json', 'utf8')));
      const ui = await h.api('GET', '/api/docs/', { token: null });
      expect(ui.text).toContain('swagger-ui');
      // Its page has inline styles but its scripts are files: script-src stays 'self'.
      expect(ui.headers.get('content-security-policy')).toContain("script-src 'self';");
    } finally {
      await h.close();
    }
  });

  it('migrations produce exactly the schema the entities describe', async () => {
    const ds = createDataSource(await createTestDatabase(inject('postgresUrl')));
    await ds.initialize();
    try {
      expect(await runMigrations(ds)).toEqual(MIGRATIONS.map((m) => m.name));
      expect(await runMigrations(ds)).toEqual([]);
      const pending = await ds.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });
});
