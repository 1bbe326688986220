import { ConfigError, loadHubConfig } from './hub/config/hub-config.js';
import { startHub } from './hub/hub.js';
import { createLogger } from './hub/platform/logger.js';

/** `npm start`: the hub, with an embedded Postgres when DATABASE_URL is not set. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadHubConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`flotilla: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const logger = createLogger(config.logLevel);
  const hub = await startHub(config, { logger });
  if (hub.adminTokenFile) {
    // Where, never what: stdout ends up in log collectors.
    process.stdout.write(
      `\n  First start: an admin API token was created and written to ${hub.adminTokenFile}\n` +
        `  (mode 0600, readable by this user only; it never expires: create personal tokens and revoke it).\n\n` +
        `  Dashboard: ${hub.url}/ (sign in with the token in that file)\n` +
        `  API:       curl -H "Authorization: Bearer $(cat ${hub.adminTokenFile})" ${hub.url}/api/v1/clusters\n\n`,
    );
  }
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    hub.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: Error) => {
  process.stderr.write(`flotilla: hub failed to start: ${err.message}\n`);
  process.exit(1);
});
