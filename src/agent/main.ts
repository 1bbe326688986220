#!/usr/bin/env -S node --max-semi-space-size=2 --expose-gc
/**
 * `flotilla-agent` / `npm run agent`: reads the configuration, wires the cluster client, the
 * hub client, the state store and the metrics server, and runs the agent until SIGTERM/SIGINT.
 *
 * Run it with `--max-semi-space-size=2 --expose-gc` (the bin's shebang and `npm run agent` do)
 * and `MALLOC_ARENA_MAX=2`: V8's default young generation (semi-spaces up to 16 MiB) stays
 * resident after each burst of allocation and alone pushes the agent past its 100 MiB budget;
 * `gc` lets the agent give back a large sync's memory, which Node 24 otherwise keeps.
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { isInsecureHubUrl } from '../domain/hub-url.js';
import { Agent } from './agent.js';
import { AGENT_USAGE, loadAgentConfig } from './agent-config.js';
import { KubeClusterClient } from './cluster/cluster-client.js';
import { HttpHubClient } from './hub-client.js';
import { capHeapGrowth } from './memory-reclaim.js';
import { createAgentMetrics, startMetricsServer } from './metrics-server.js';
import { ClusterStateStore, FileStateStore } from './state-store.js';

function agentVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'dev';
  } catch {
    return 'dev';
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  // Answered before anything is validated: help must work without a hub URL or a kubeconfig.
  if (argv.some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(AGENT_USAGE);
    return;
  }
  if (argv.some((a) => a === '--version' || a === '-V')) {
    process.stdout.write(`${agentVersion()}\n`);
    return;
  }
  const config = loadAgentConfig(argv, process.env);
  capHeapGrowth();
  const logger = pino({
    level: config.logLevel,
    base: { service: 'flotilla-agent' },
    redact: { paths: ['*.credential', '*.registrationToken', '*.token'], censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
  if (config.allowInsecureHub && isInsecureHubUrl(config.hubUrl))
    logger.warn(
      { hubUrl: config.hubUrl },
      'plain http hub URL accepted (--allow-insecure-hub): the credential crosses the network unencrypted',
    );
  const client = KubeClusterClient.fromConfig(
    config.inCluster ? { inCluster: true } : { kubeconfigPath: config.kubeconfigPath! },
    Math.max(16, config.concurrency * 2),
  );
  const store = config.stateDir
    ? new FileStateStore(config.stateDir)
    : new ClusterStateStore(client, config.namespace, config.credentialSecret);
  const metrics = createAgentMetrics();
  const hub = new HttpHubClient(config.hubUrl);
  const agent = new Agent({
    client,
    hub,
    store,
    logger,
    metrics,
    agentVersion: agentVersion(),
    namespace: config.namespace,
    registrationToken: config.registrationToken,
    pollWaitSeconds: config.pollWaitSeconds,
    heartbeatSeconds: config.heartbeatSeconds,
    concurrency: config.concurrency,
    reportBufferSize: config.reportBufferSize,
    guardrail: config.guardrail,
    healthTimeoutMs: config.healthTimeoutSeconds * 1000,
    sopsKeySecret: config.sopsKeySecret,
  });
  const server = await startMetricsServer(metrics, config.metricsPort, () => agent.ready);
  logger.info({ metricsPort: server.port, hubUrl: config.hubUrl }, 'metrics listening');
  logger.info({ guardrail: config.guardrail }, 'guardrail');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    void agent
      .stop()
      .then(() => server.close())
      .finally(() => {
        client.close();
        hub.close();
        process.exit(0);
      });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  await agent.start();
  logger.info({ managedObjects: agent.managedObjects }, 'agent started');
}

main().catch((e: Error) => {
  process.stderr.write(`flotilla-agent: ${e.message}\n`);
  process.exit(1);
});
