/**
 * Small bundles travel with their jobs (`bundle` in JobV1), so an agent deploying them needs no
 * second request; large ones are fetched as before. Against the real hub and Git.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bundleDigest } from '../../src/domain/render/canonical-bundle.js';
import { FLEET_EVENTS, type FleetEvents } from '../../src/hub/platform/fleet-events.js';
import { INLINE_BUNDLE_MAX_BYTES } from '../../src/protocol/v1/agent-protocol.js';
import type { VcsRepository } from '../../src/vcs/index.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { gitFixture, type VcsFixture } from '../support/vcs-fixtures.js';

const configMap = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${value}"\n`;

let fx: VcsFixture;
let repo: VcsRepository;
let h: TestHub;
let agent: ProtocolAgent;

beforeAll(async () => {
  fx = await gitFixture(false);
  h = await startTestHub(inject('postgresUrl'));
  repo = await fx.createRepo();
  await fx.externalCommit(
    repo,
    {
      'small/cm.yaml': configMap('small', 'x'),
      'large/cm.yaml': configMap('large', 'x'.repeat(INLINE_BUNDLE_MAX_BYTES + 1)),
    },
    'initial',
  );
  await h.api('POST', '/api/v1/repositories', { body: { name: 'inline', type: 'git', url: repo.url } });
  await h.api('POST', '/api/v1/repositories/inline/refresh');
  const c = await h.api('POST', '/api/v1/clusters', { body: { name: 'inline', labels: { inline: 'yes' } } });
  agent = new ProtocolAgent(h.url);
  expect((await agent.register(c.body.registration.token)).status).toBe(201);
}, 60_000);
afterAll(async () => {
  await h?.close();
  await fx?.close();
});

async function jobFor(path: string) {
  const res = await h.api('POST', '/api/v1/applications', {
    body: {
      name: `inline-${path}`,
      repositoryId: 'inline',
      path,
      targets: [{ clusterSelector: 'inline=yes', namespace: path }],
      syncPolicy: { automated: true, prune: true, selfHeal: false },
    },
  });
  expect(res.status, res.text).toBe(201);
  await h.hub.app.get<FleetEvents>(FLEET_EVENTS).settled();
  const [job] = await agent.poll(0);
  expect(job?.applicationId).toBe(res.body.id);
  return job;
}

describe('bundles carried by their jobs', () => {
  it('a small bundle travels with its job, byte for byte what GET /bundles answers', async () => {
    const job = await jobFor('small');
    expect(job.bundle).toBeDefined();
    expect(bundleDigest(Buffer.from(job.bundle!, 'utf8'))).toBe(job.bundleDigest);
    const fetched = await agent.call('GET', `/bundles/${encodeURIComponent(job.bundleDigest!)}`);
    expect(fetched.status).toBe(200);
    expect(fetched.bytes.toString('utf8')).toBe(job.bundle);
  });

  it('a bundle over the limit is left for the agent to fetch', async () => {
    const job = await jobFor('large');
    expect(job.bundle).toBeUndefined();
    expect(job.bundleDigest).toMatch(/^sha256:/);
    const fetched = await agent.call('GET', `/bundles/${encodeURIComponent(job.bundleDigest!)}`);
    expect(fetched.status).toBe(200);
    expect(fetched.bytes.length).toBeGreaterThan(INLINE_BUNDLE_MAX_BYTES);
  });
});
