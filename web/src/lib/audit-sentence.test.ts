/// <reference types="vite/client" />
import { describe, expect, it } from 'vitest';
import type { AgentEventTypeV1 } from '../../../src/protocol/v1/agent-protocol';
import {
  auditSentence,
  resourceText,
  sentenceText,
  shortRevision,
  type AuditEventLike,
} from './audit-sentence';

const IDS = { cluster: 'c0ffee00-0000-4000-8000-000000000001', app: 'a0000000-0000-4000-8000-000000000002' };
const REPO = 'b0000000-0000-4000-8000-000000000003';
const REV = 'main@sha1:2cbbec3d4e5f60718293a4b5c6d7e8f901234567';
const NAMES: Record<string, string> = { [IDS.cluster]: 'prod-eu', [IDS.app]: 'web', [REPO]: 'fleet' };
const look = {
  name: (id: string) => NAMES[id] ?? null,
  repositoryOf: (id: string) => (id === IDS.app ? REPO : null),
};

function event(action: string, over: Partial<AuditEventLike> = {}): AuditEventLike {
  return {
    action,
    actor: { type: 'token', id: 't1', name: 'admin' },
    clusterId: null,
    applicationId: null,
    repositoryId: null,
    revision: null,
    resource: null,
    details: {},
    ...over,
  };
}
const onCluster = { clusterId: IDS.cluster, applicationId: IDS.app, revision: REV };
const agent = { type: 'agent', id: IDS.cluster, name: 'agent:prod-eu' };
const say = (e: AuditEventLike) => sentenceText(auditSentence(e, look));

describe('audit sentences', () => {
  it('a commit: who, which paths, where, the message; repository and revision are links', () => {
    const parts = auditSentence(
      event('resource.committed', {
        repositoryId: REPO,
        revision: REV,
        details: {
          repository: 'fleet',
          paths: ['apps/web/deploy.yaml'],
          operation: 'write',
          message: 'web: api 2',
          display: REV,
        },
      }),
      look,
    );
    expect(sentenceText(parts)).toBe(
      "admin committed apps/web/deploy.yaml to fleet at main@2cbbec3 — 'web: api 2'",
    );
    expect(parts.filter((p) => typeof p !== 'string')).toEqual([
      { kind: 'repository', text: 'fleet', href: `/repositories/${REPO}` },
      {
        kind: 'revision',
        text: 'main@2cbbec3',
        href: `/repositories/${REPO}?revision=${encodeURIComponent(REV)}`,
      },
    ]);
    expect(
      say(
        event('resource.committed', {
          repositoryId: REPO,
          details: { paths: ['a.yaml'], operation: 'delete' },
        }),
      ),
    ).toBe('admin deleted a.yaml from fleet');
  });

  it('a job result: the cluster applied the application at a revision, with object counts', () => {
    const parts = auditSentence(
      event('job.succeeded', {
        ...onCluster,
        actor: agent,
        details: { kind: 'sync', counts: { configured: 4, unchanged: 0 }, display: REV },
      }),
      look,
    );
    expect(sentenceText(parts)).toBe('prod-eu applied web at main@2cbbec3: 4 objects configured');
    expect(parts.filter((p) => typeof p !== 'string').map((p) => typeof p !== 'string' && p.href)).toEqual([
      `/audit?cluster=${IDS.cluster}`,
      '/applications/web',
      `/repositories/${REPO}?revision=${encodeURIComponent(REV)}`,
    ]);
    expect(
      say(
        event('job.succeeded', {
          ...onCluster,
          details: { kind: 'sync', counts: { created: 1, configured: 2 } },
        }),
      ),
    ).toBe('prod-eu applied web at main@2cbbec3: 1 object created, 2 configured');
    expect(say(event('job.succeeded', { ...onCluster, details: { kind: 'delete', counts: {} } }))).toBe(
      'prod-eu finished the delete of web at main@2cbbec3',
    );
    expect(
      say(
        event('job.failed', {
          ...onCluster,
          details: { kind: 'sync', attempt: 2, willRetry: true, message: 'denied' },
        }),
      ),
    ).toBe('prod-eu failed to apply web at main@2cbbec3 on attempt 2: denied (will retry)');
    expect(
      say(
        event('job.succeeded', {
          ...onCluster,
          details: {
            kind: 'sync',
            counts: { created: 1 },
            hooks: [
              { phase: 'PreSync', resource: 'batch/Job/web/db-migrate', outcome: 'succeeded' },
              { phase: 'PostSync', resource: 'batch/Job/web/smoke', outcome: 'succeeded' },
            ],
          },
        }),
      ),
    ).toBe(
      'prod-eu applied web at main@2cbbec3: 1 object created; hooks: PreSync Job/db-migrate succeeded, PostSync Job/smoke succeeded',
    );
    expect(
      say(
        event('job.failed', {
          ...onCluster,
          details: {
            kind: 'sync',
            message: 'PreSync hook batch/Job/web/db-migrate failed',
            hooks: [
              {
                phase: 'PreSync',
                resource: 'batch/Job/web/db-migrate',
                outcome: 'failed',
                message: 'BackoffLimitExceeded',
              },
            ],
          },
        }),
      ),
    ).toBe(
      'prod-eu failed to apply web at main@2cbbec3: PreSync hook batch/Job/web/db-migrate failed; hooks: PreSync Job/db-migrate failed (BackoffLimitExceeded)',
    );
    expect(say(event('job.dispatched', { ...onCluster, details: { kind: 'sync' } }))).toBe(
      'admin queued a sync of web on prod-eu at main@2cbbec3',
    );
  });

  it('a key rotation names the cluster and the key it replaces', () => {
    expect(
      say(
        event('cluster.key-rotation-requested', {
          ...onCluster,
          details: { name: 'prod-eu', fingerprint: '0a1b2c3d4e5f6071' },
        }),
      ),
    ).toBe('admin asked prod-eu for a new age key (replacing 0a1b2c3d4e5f6071)');
  });

  it('a bare commit id reads as branch@short-hash of the repository it belongs to', () => {
    const hash = '2cbbec3d4e5f60718293a4b5c6d7e8f901234567';
    const withBranch = { ...look, branchOf: (id: string) => (id === REPO ? 'main' : null) };
    const e = event('job.succeeded', { ...onCluster, revision: hash, details: { kind: 'sync', counts: {} } });
    expect(sentenceText(auditSentence(e, withBranch))).toBe(
      'prod-eu applied web at main@2cbbec3: no objects',
    );
    expect(sentenceText(auditSentence(e, look))).toBe('prod-eu applied web at 2cbbec3: no objects');
    expect(auditSentence(e, withBranch).at(-2)).toEqual({
      kind: 'revision',
      text: 'main@2cbbec3',
      href: `/repositories/${REPO}?revision=${hash}`,
    });
  });

  it("an agent's drift and health events speak for its cluster", () => {
    const drift = {
      clusterId: IDS.cluster,
      applicationId: IDS.app,
      resource: 'apps/Deployment/web/api',
      actor: agent,
    };
    expect(say(event('drift.corrected', drift))).toBe('agent prod-eu: drift on Deployment web/api corrected');
    expect(say(event('drift.detected', { ...drift, details: { message: 'replicas 5 ≠ 3' } }))).toBe(
      'agent prod-eu: drift on Deployment web/api detected: replicas 5 ≠ 3',
    );
    expect(say(event('resource.health-changed', { ...drift, details: { health: 'Failed' } }))).toBe(
      'agent prod-eu: Deployment web/api is Failed',
    );
    const res = auditSentence(
      event('resource.applied', { ...drift, details: { action: 'configured' } }),
      look,
    );
    expect(sentenceText(res)).toBe('prod-eu configured Deployment web/api of web');
    expect(res.find((p) => typeof p !== 'string' && p.kind === 'resource')).toMatchObject({
      href: `/audit?resource=${encodeURIComponent('apps/Deployment/web/api')}&cluster=${IDS.cluster}`,
    });
    expect(say(event('resource.pruned', drift))).toBe('prod-eu pruned Deployment web/api of web');
  });

  it('refusals and failures name their phase and reason', () => {
    expect(
      say(event('sync.failed', { ...onCluster, details: { phase: 'render', error: 'helm: bad chart' } })),
    ).toBe('sync of web to prod-eu at main@2cbbec3 failed in the render phase: helm: bad chart');
    expect(
      say(
        event('policy.denied', {
          applicationId: IDS.app,
          revision: REV,
          details: {
            project: 'team-a',
            clusterCount: 2,
            refusals: ['Secret kube-system/x: namespace not allowed'],
          },
        }),
      ),
    ).toBe(
      'project team-a refused web at main@2cbbec3 on 2 clusters: Secret kube-system/x: namespace not allowed',
    );
  });

  it('unknown actions fall back to a generic sentence naming what they touch', () => {
    expect(say(event('frobnicate.done', { clusterId: IDS.cluster, applicationId: IDS.app }))).toBe(
      'admin recorded frobnicate.done for web, prod-eu',
    );
    expect(say(event('frobnicate.done'))).toBe('admin recorded frobnicate.done');
  });

  it('names of deleted objects come from the details; unknown ids are shortened', () => {
    expect(
      say(
        event('cluster.deleted', {
          clusterId: 'dead0000-0000-4000-8000-000000000000',
          details: { name: 'old' },
        }),
      ),
    ).toBe('admin deleted cluster old');
    expect(say(event('application.synced', { applicationId: 'dead1111-0000-4000-8000-000000000000' }))).toBe(
      'admin asked for a sync of dead1111',
    );
  });

  it('a staged rollout: each transition says who, which stage and batch, and why', () => {
    const app = { applicationId: IDS.app, revision: REV };
    const system = { type: 'system', name: 'system' };
    const d = (details: Record<string, unknown>) => ({ ...app, details: { display: REV, ...details } });
    expect(
      say(
        event('preview.requested', {
          ...d({ application: 'web', clusterCount: 3 }),
          clusterId: null,
        }),
      ),
    ).toBe('admin asked for a preview of web at main@2cbbec3 on 3 clusters');
    expect(
      say(
        event('rollout.started', {
          ...d({ stages: ['canary (1)', 'prod (4)'], clusterCount: 5 }),
          actor: system,
        }),
      ),
    ).toBe('system started a staged rollout of web at main@2cbbec3 in 2 stages: canary (1), prod (4)');
    expect(
      say(
        event('rollout.batch.started', {
          ...d({ stage: 'prod', batch: '2/3', clusters: ['p1', 'p2'], clusterCount: 4 }),
          actor: system,
        }),
      ),
    ).toBe('rollout of web at main@2cbbec3: stage prod batch 2/3 started on p1, p2 and 2 more');
    expect(
      say(event('rollout.batch.healthy', { ...d({ stage: 'canary', batch: '1/1' }), actor: system })),
    ).toBe('rollout of web at main@2cbbec3: stage canary batch 1/1 is Synced and Healthy');
    expect(say(event('rollout.paused', d({ by: 'operator', reason: 'incident 42' })))).toBe(
      'admin paused the rollout of web at main@2cbbec3: incident 42',
    );
    expect(
      say(
        event('rollout.paused', {
          ...d({ stage: 'prod', reason: '2 cluster(s) failed in stage prod, over its budget of 1' }),
          actor: system,
        }),
      ),
    ).toBe(
      'the rollout of web at main@2cbbec3 stopped: 2 cluster(s) failed in stage prod, over its budget of 1',
    );
    expect(say(event('rollout.resumed', d({})))).toBe('admin resumed the rollout of web at main@2cbbec3');
    expect(say(event('rollout.promoted', d({ stage: 'prod', reason: 'canary looks good' })))).toBe(
      'admin promoted the rollout of web at main@2cbbec3 past the approval gate of stage prod: canary looks good',
    );
    expect(say(event('rollout.promoted', d({ clusters: ['r2'] })))).toBe(
      'admin promoted the rollout of web at main@2cbbec3 past the failures of r2',
    );
    expect(say(event('rollout.retried', d({ clusters: ['r2', 'r3'] })))).toBe(
      'admin retried r2, r3 in the rollout of web at main@2cbbec3',
    );
    expect(say(event('rollout.aborted', d({ reason: 'wrong image' })))).toBe(
      'admin aborted the rollout of web at main@2cbbec3: wrong image',
    );
    expect(
      say(event('rollout.rolled-back', { ...d({ reason: '1 cluster(s) failed' }), actor: system })),
    ).toBe('the rollout of web at main@2cbbec3 was rolled back: 1 cluster(s) failed');
    expect(say(event('rollout.completed', { ...d({}), actor: system }))).toBe(
      'the rollout of web at main@2cbbec3 completed',
    );
    expect(
      say(
        event('rollout.superseded', {
          ...d({ reason: 'superseded by revision main@abc1234' }),
          actor: system,
        }),
      ),
    ).toBe('the rollout of web at main@2cbbec3 was superseded by revision main@abc1234');
    // the application is a link
    const parts = auditSentence(event('rollout.completed', d({})), look);
    expect(parts).toContainEqual({ kind: 'application', text: 'web', href: '/applications/web' });
  });

  it('notification subscriptions: created (with its channel type), changed, deleted, secret rotated', () => {
    const d = (details: Record<string, unknown>) => ({ details: { name: 'web-failures', ...details } });
    expect(say(event('notification.subscription-created', d({ channel: { type: 'slack' } })))).toBe(
      'admin created notification subscription web-failures (slack)',
    );
    expect(say(event('notification.subscription-updated', d({})))).toBe(
      'admin changed notification subscription web-failures',
    );
    expect(say(event('notification.subscription-deleted', d({})))).toBe(
      'admin deleted notification subscription web-failures',
    );
    expect(say(event('notification.subscription-secret-rotated', d({})))).toBe(
      'admin rotated the signing secret of notification subscription web-failures',
    );
  });

  it('helpers: short revisions and resource ids', () => {
    expect(shortRevision(REV)).toBe('main@2cbbec3');
    expect(shortRevision('r42')).toBe('r42');
    expect(resourceText('apps/Deployment/web/api')).toBe('Deployment web/api');
    expect(resourceText('/Namespace//web')).toBe('Namespace web');
  });

  // Every action the hub records, found in its source, so a new one without a sentence fails here.
  const recorded = (() => {
    // every hub source file as text (Vite's glob import: this project's tests run under Vite)
    const sources = import.meta.glob<string>(
      ['../../../src/hub/**/*.ts', '../../../src/domain/audit-chain.ts', '!**/*.test.ts'],
      {
        query: '?raw',
        import: 'default',
        eager: true,
      },
    );
    const found = new Set<string>(['job.succeeded', 'resource.applied', 'resource.pruned']);
    const agentEvents: AgentEventTypeV1[] = ['drift.detected', 'drift.corrected', 'resource.health-changed'];
    agentEvents.forEach((a) => found.add(a));
    for (const text of Object.values(sources))
      for (const m of text.matchAll(/(?:action: |CHAIN_KEYED_ACTION = )'([a-z]+\.[a-z.-]+)'/g))
        found.add(m[1]);
    // rollout events are recorded through the rollout engine's event(…, 'rollout.x', …), and its
    // end(…, state, …) as `rollout.${state}`
    for (const text of Object.values(sources)) {
      for (const m of text.matchAll(/'(rollout\.[a-z.-]+)'/g)) found.add(m[1]);
      if (text.includes('`rollout.${state}`'))
        for (const m of text.matchAll(/\.end\(tx, \w+, \w+, '([a-z-]+)'/g)) found.add(`rollout.${m[1]}`);
    }
    return [...found].sort();
  })();

  it('the hub records the actions this knows (the list is read from its source)', () => {
    expect(recorded.length).toBeGreaterThan(30);
    expect(recorded).toContain('resource.committed');
    expect(recorded.filter((a) => a.startsWith('rollout.'))).toEqual([
      'rollout.aborted',
      'rollout.batch.healthy',
      'rollout.batch.started',
      'rollout.completed',
      'rollout.paused',
      'rollout.promoted',
      'rollout.resumed',
      'rollout.retried',
      'rollout.rolled-back',
      'rollout.started',
      'rollout.superseded',
    ]);
  });

  it.each(recorded)('%s reads as its own sentence, not the generic one', (action) => {
    const text = say(
      event(action, {
        ...onCluster,
        repositoryId: REPO,
        resource: 'apps/Deployment/web/api',
        details: { name: 'x', paths: ['a.yaml'], counts: { configured: 1 } },
      }),
    );
    expect(text).not.toContain(`recorded ${action}`);
    expect(text.length).toBeGreaterThan(10);
  });
});
