import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { writeFile } from 'node:fs/promises';
import { loadHubConfig } from '../config/hub-config.js';
import { createDataSource } from '../database/data-source.js';
import { HubMetrics } from '../health/metrics.js';
import { HubModule } from '../hub.module.js';
import { deriveAuditKeys } from '../platform/audit-keys.js';
import { systemClock } from '../platform/clock.js';
import { NodeSecrets } from '../platform/secrets.js';
import { HUB_VERSION } from '../version.js';
import { buildOpenApi, openApiText } from './openapi.js';

/**
 * The OpenAPI document as text, built from the controllers without a database: the data
 * source is created but never connected.
 */
export async function generateOpenApiText(): Promise<string> {
  const app = await NestFactory.create(
    HubModule.forRoot({
      config: loadHubConfig({}),
      dataSource: createDataSource('postgres://openapi@127.0.0.1:1/none'),
      secrets: new NodeSecrets(Buffer.alloc(32)),
      clock: systemClock,
      metrics: new HubMetrics(),
      auditKeys: deriveAuditKeys(Buffer.alloc(32)),
    }),
    { logger: false },
  );
  try {
    return openApiText(buildOpenApi(app, HUB_VERSION));
  } finally {
    await app.close();
  }
}

// `npm run openapi` writes docs/openapi.json.
if (import.meta.url === `file://${process.argv[1]}`) {
  const text = await generateOpenApiText();
  await writeFile(process.argv[2] ?? 'docs/openapi.json', text);
  process.stdout.write(`wrote ${process.argv[2] ?? 'docs/openapi.json'}\n`);
}
