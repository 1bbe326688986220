import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type AuditRecord, AuditService } from '../../src/hub/audit/audit.service.js';
import { UnitOfWork } from '../../src/hub/database/unit-of-work.js';
import { NotificationWorker } from '../../src/hub/notifications/notification-worker.service.js';
import { SYSTEM_ACTOR } from '../../src/domain/audit-chain.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import {
  startHttpReceiver,
  startSmtpReceiver,
  type HttpReceiver,
  type SmtpReceiver,
} from '../support/notification-receivers.js';

const SMTP_USER = 'flotilla';
const SMTP_PASSWORD = 'smtp-pass-9c1f7e2a54b8';
const OPEN = {
  namespaces: ['*'],
  allowedKinds: [{ group: '*', kind: '*' }],
  deniedKinds: [],
  allowSecrets: true,
};

let h: TestHub;
let smtp: SmtpReceiver;
let rx: HttpReceiver;
const clusters: Record<string, string> = {};
const projects: Record<string, string> = {};
let n = 0;

const worker = () => h.hub.app.get(NotificationWorker);
/** Records events through the hub's real audit write (the one every feature uses). */
async function record(...events: Omit<AuditRecord, 'actor'>[]): Promise<void> {
  const audit = h.hub.app.get(AuditService);
  await h.hub.app.get(UnitOfWork).run((tx) =>
    audit.recordMany(
      tx,
      events.map((e) => ({ actor: SYSTEM_ACTOR, ...e })),
    ),
  );
}
async function subscribe(body: Record<string, unknown>, token?: string) {
  const r = await h.api('POST', '/api/v1/notifications/subscriptions', {
    body: { name: `s-${++n}`, ...body },
    ...(token ? { token } : {}),
  });
  return r;
}
async function deliveries(id: string) {
  return (await h.api('GET', `/api/v1/notifications/subscriptions/${id}/deliveries?limit=500`)).body
    .items as Array<{
    id: string;
    idempotencyKey: string;
    status: string;
    attempts: number;
    lastError: string | null;
    eventCount: number;
    title: string;
  }>;
}
/** Runs the worker until nothing is pending for `id` (or a bound of looks). */
/** Runs the worker until the subscription has at least `count` deliveries and none pending. */
async function drain(id: string, looks = 40, count = 1): Promise<void> {
  for (let i = 0; i < looks; i++) {
    await worker().look();
    const ds = await deliveries(id);
    if (ds.length >= count && ds.every((d) => d.status !== 'pending')) return;
    await new Promise((r) => setTimeout(r, 30));
  }
}

beforeAll(async () => {
  smtp = await startSmtpReceiver(SMTP_USER, SMTP_PASSWORD);
  rx = await startHttpReceiver();
  h = await startTestHub(inject('postgresUrl'), {
    // Only this address: the test hub's loopback allowance for repositories does not apply here.
    FLOTILLA_NOTIFY_ALLOWED_HOSTS: '127.0.0.1',
    FLOTILLA_NOTIFY_INTERVAL_MS: '0',
    FLOTILLA_NOTIFY_GROUP_SECONDS: '0',
    FLOTILLA_NOTIFY_RETRY_BASE_MS: '10',
    FLOTILLA_NOTIFY_MAX_ATTEMPTS: '4',
    FLOTILLA_NOTIFY_CA_FILE: smtp.certFile,
  });
  for (const team of ['a', 'b']) {
    const p = await h.api('POST', '/api/v1/projects', {
      body: {
        name: `team-${team}`,
        sources: [{ repository: '*' }],
        clusterSelector: `team=${team}`,
        objects: OPEN,
      },
    });
    expect(p.status).toBe(201);
    projects[team] = p.body.id;
  }
  for (let i = 0; i < 6; i++) {
    const env = i < 4 ? 'prod' : 'dev';
    const c = await h.api('POST', '/api/v1/clusters', {
      body: { name: `c${i}`, labels: { env, team: 'a' } },
    });
    clusters[`c${i}`] = c.body.id;
  }
});
afterAll(async () => {
  await h?.close();
  await rx?.close();
  await smtp?.close();
});

describe('webhook delivery', () => {
  it('retries a failing receiver with one idempotency key and a valid signature, then delivers once', async () => {
    const created = await subscribe({
      filter: { actions: ['sync.failed'] },
      channel: { type: 'webhook', url: `${rx.url}/hook?k=1` },
    });
    expect(created.status).toBe(201);
    const secret = created.body.signingSecret as string;
    expect(secret).toMatch(/^fns_/);
    // shown once: never again
    const got = await h.api('GET', `/api/v1/notifications/subscriptions/${created.body.id}`);
    expect(got.body.signingSecret).toBeUndefined();
    expect(got.body.channel.url).toBe(`${rx.url}/hook?…`);

    rx.received.length = 0;
    rx.answer = (i) => (i <= 2 ? 500 : 200);
    await record({ action: 'sync.failed', clusterId: clusters.c0, revision: 'abc123' });
    await drain(created.body.id);

    const [d, ...more] = await deliveries(created.body.id);
    expect(more).toEqual([]);
    expect(d).toMatchObject({
      status: 'delivered',
      attempts: 3,
      eventCount: 1,
      lastError: 'hub answered 500'.replace('hub', `127.0.0.1:${rx.port}`),
    });
    expect(rx.received).toHaveLength(3);
    expect(rx.received.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of rx.received) {
      expect(r.headers['idempotency-key']).toBe(d.idempotencyKey);
      expect(r.headers['x-flotilla-delivery']).toBe(d.idempotencyKey);
      const body = JSON.parse(r.body);
      expect(body.idempotencyKey).toBe(d.idempotencyKey);
      expect(body.sentAt).toBe(r.headers['x-flotilla-timestamp']);
      const want = `sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`;
      expect(r.headers['x-flotilla-signature']).toBe(want);
    }
    expect(JSON.parse(rx.received[2].body).title).toBe('sync.failed on c0 at abc123');
  });

  it('gives up after the configured attempts, keeps the error, and re-queues on retry', async () => {
    const s = await subscribe({
      filter: { actions: ['job.refused'] },
      channel: { type: 'webhook', url: `${rx.url}/down` },
    });
    rx.answer = () => 503;
    await record({ action: 'job.refused' });
    await drain(s.body.id);
    const [d] = await deliveries(s.body.id);
    expect(d).toMatchObject({
      status: 'failed',
      attempts: 4,
      lastError: `127.0.0.1:${rx.port} answered 503`,
    });
    rx.answer = () => 200;
    const again = await h.api(
      'POST',
      `/api/v1/notifications/subscriptions/${s.body.id}/deliveries/${d.id}/retry`,
    );
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ status: 'pending', attempts: 0 });
    await drain(s.body.id);
    expect((await deliveries(s.body.id))[0]).toMatchObject({ id: d.id, status: 'delivered', attempts: 1 });
    const failedOnly = await h.api(
      'GET',
      `/api/v1/notifications/subscriptions/${s.body.id}/deliveries?status=failed`,
    );
    expect(failedOnly.body.items).toEqual([]);
  });

  it('groups the events of a fleet-wide outcome into one message', async () => {
    const s = await subscribe({
      filter: { actions: ['job.'] },
      channel: { type: 'webhook', url: `${rx.url}/group` },
    });
    rx.received.length = 0;
    rx.answer = () => 200;
    const rev = 'f'.repeat(40);
    await record(
      ...['c0', 'c1', 'c2', 'c3', 'c4'].map((c) => ({
        action: 'job.succeeded',
        clusterId: clusters[c],
        revision: rev,
        projectId: projects.a,
      })),
      { action: 'job.failed', clusterId: clusters.c5, revision: rev },
    );
    // Both groups: a look in the millisecond of the outbox insert finds a group not yet due (its
    // rows carry the database's microseconds) and composes it at the next look.
    await drain(s.body.id, 40, 2);
    const ds = await deliveries(s.body.id);
    expect(ds.map((d) => [d.title, d.eventCount]).sort()).toEqual([
      ['job.failed on c5 at ffffffffffff', 1],
      ['job.succeeded on 5 clusters at ffffffffffff', 5],
    ]);
    expect(rx.received).toHaveLength(2);
  });

  it('holds a group for FLOTILLA_NOTIFY_GROUP_SECONDS so late events of it join the same message', async () => {
    const hub2 = await startTestHub(inject('postgresUrl'), {
      FLOTILLA_NOTIFY_ALLOWED_HOSTS: '127.0.0.1',
      FLOTILLA_NOTIFY_INTERVAL_MS: '0',
      FLOTILLA_NOTIFY_GROUP_SECONDS: '2',
    });
    try {
      const s = await hub2.api('POST', '/api/v1/notifications/subscriptions', {
        body: {
          name: 'grouped',
          filter: { actions: ['rollout.'] },
          channel: { type: 'webhook', url: `${rx.url}/late` },
        },
      });
      const audit = hub2.hub.app.get(AuditService);
      const rec = (action: string) =>
        hub2.hub.app
          .get(UnitOfWork)
          .run((tx) =>
            audit.record(tx, { actor: SYSTEM_ACTOR, action, details: { rollout: 'r1', batch: '1/2' } }),
          );
      await rec('rollout.batch.healthy');
      expect((await hub2.hub.app.get(NotificationWorker).look()).composed).toBe(0);
      await new Promise((r) => setTimeout(r, 1000));
      await rec('rollout.batch.healthy');
      await new Promise((r) => setTimeout(r, 1200));
      expect((await hub2.hub.app.get(NotificationWorker).look()).composed).toBe(1);
      const items = (await hub2.api('GET', `/api/v1/notifications/subscriptions/${s.body.id}/deliveries`))
        .body.items;
      expect(items.map((d: { eventCount: number }) => d.eventCount)).toEqual([2]);
    } finally {
      await hub2.close();
    }
  });
});

describe('filters', () => {
  it('matches action prefixes, projects, cluster selectors and outcomes', async () => {
    const mk = async (filter: Record<string, unknown>) =>
      (await subscribe({ filter, channel: { type: 'webhook', url: `${rx.url}/f` } })).body.id as string;
    const prefix = await mk({ actions: ['rollout.*'] });
    const project = await mk({ project: 'team-a', actions: ['filter.', 'rollout.'] });
    const selector = await mk({ clusterSelector: 'env=prod', actions: ['filter.', 'rollout.'] });
    const failure = await mk({ outcome: 'failure', actions: ['filter.', 'rollout.'] });
    const success = await mk({ outcome: 'success', actions: ['filter.'] });
    rx.answer = () => 200;
    await record(
      { action: 'rollout.started', projectId: projects.b, details: { rollout: 'x', batch: '1/1' } },
      { action: 'filter.failed', projectId: projects.a, clusterId: clusters.c0 },
      { action: 'filter.succeeded', projectId: projects.b, clusterId: clusters.c5 },
      { action: 'filter.created', clusterId: clusters.c1 },
    );
    for (const id of [prefix, project, selector, failure, success]) await drain(id, 5);
    const seen = async (id: string) => (await deliveries(id)).map((d) => d.title.split(' ')[0]).sort();
    expect(await seen(prefix)).toEqual(['rollout.started']);
    expect(await seen(project)).toEqual(['filter.failed']);
    expect(await seen(selector)).toEqual(['filter.created', 'filter.failed']);
    expect(await seen(failure)).toEqual(['filter.failed']);
    expect(await seen(success)).toEqual(['filter.succeeded']);
    expect(await h.sql('SELECT 1 FROM notification_outbox')).toEqual([]);
  });

  it('takes events whose details name no rollout (null) like any other', async () => {
    const s = await subscribe({
      filter: { actions: ['odd.details'] },
      channel: { type: 'webhook', url: `${rx.url}/o` },
    });
    rx.answer = () => 200;
    await record(
      { action: 'odd.details', details: { rollout: null } },
      { action: 'odd.details', details: { rollout: null } },
    );
    // both: a look may take one event's delivery before the other's (a loaded machine did)
    await drain(s.body.id, 40, 2);
    expect((await deliveries(s.body.id)).map((d) => d.status)).toEqual(['delivered', 'delivered']);
  });

  it('writes nothing to the outbox when no subscription is enabled for an event', async () => {
    const before = await h.sql<{ n: string }>(`SELECT count(*) AS n FROM notification_deliveries`);
    await record({ action: 'nobody.listens' });
    await worker().look();
    expect(await h.sql<{ n: string }>(`SELECT count(*) AS n FROM notification_deliveries`)).toEqual(before);
  });
});

describe('egress and hostile receivers', () => {
  it('refuses a loopback address that is not allow-listed', async () => {
    const other = await startHttpReceiver();
    try {
      const s = await subscribe({
        filter: { actions: ['egress.test'] },
        channel: { type: 'webhook', url: `http://127.0.0.2:${other.port}/x` },
      });
      await record({ action: 'egress.test' });
      await drain(s.body.id);
      const [d] = await deliveries(s.body.id);
      expect(d).toMatchObject({ status: 'failed', lastError: 'refused by egress policy' });
      expect(other.received).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('follows no redirect (to the metadata address or anywhere)', async () => {
    const s = await subscribe({
      filter: { actions: ['redirect.test'] },
      channel: { type: 'webhook', url: `${rx.url}/r` },
    });
    rx.received.length = 0;
    rx.answer = () => ({ redirect: 'http://169.254.169.254/latest/meta-data/' });
    await record({ action: 'redirect.test' });
    await drain(s.body.id);
    const [d] = await deliveries(s.body.id);
    expect(d.status).toBe('failed');
    expect(d.lastError).toContain('redirects are not followed');
    expect(rx.received).toHaveLength(4);
    rx.answer = () => 200;
  });
});

describe('e-mail', () => {
  it('sends over STARTTLS with AUTH PLAIN to a real SMTP server that the hub trusts by configuration', async () => {
    const s = await subscribe({
      filter: { actions: ['mail.failed'] },
      channel: {
        type: 'email',
        to: ['oncall@example.com'],
        smtp: {
          host: '127.0.0.1',
          port: smtp.port,
          username: SMTP_USER,
          password: SMTP_PASSWORD,
          from: 'flotilla@example.com',
          tls: 'starttls',
        },
      },
    });
    expect(s.status).toBe(201);
    expect(s.body.signingSecret).toBeUndefined();
    expect(s.body.channel.smtp).toEqual({
      host: '127.0.0.1',
      port: smtp.port,
      username: SMTP_USER,
      from: 'flotilla@example.com',
      tls: 'starttls',
      hasPassword: true,
    });
    await record({ action: 'mail.failed', clusterId: clusters.c2, revision: 'deadbeef' });
    await drain(s.body.id);
    const [d] = await deliveries(s.body.id);
    expect(d).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail).toMatchObject({
      from: 'flotilla@example.com',
      to: ['oncall@example.com'],
      user: SMTP_USER,
      secure: true,
    });
    expect(mail.raw).toContain('Subject: mail.failed on c2 at deadbeef');
    expect(mail.raw).toContain(`Message-ID: <${d.idempotencyKey}@flotilla>`);
    expect(mail.raw).toMatch(/mail\.failed \(cluster c2\) by system/);
  });

  it('fails (and says so) with a wrong password, without the password in the error', async () => {
    const wrong = 'not-the-password-5d1e';
    const s = await subscribe({
      filter: { actions: ['mail.wrong'] },
      channel: {
        type: 'email',
        to: ['oncall@example.com'],
        smtp: {
          host: '127.0.0.1',
          port: smtp.port,
          username: SMTP_USER,
          password: wrong,
          from: 'flotilla@example.com',
          tls: 'starttls',
        },
      },
    });
    await record({ action: 'mail.wrong' });
    await drain(s.body.id);
    const [d] = await deliveries(s.body.id);
    expect(d.status).toBe('failed');
    expect(d.lastError).toMatch(/EAUTH/);
    expect(d.lastError).not.toContain(wrong);
  });
});

describe('secrets', () => {
  it('never shows a channel secret in any answer, the audit trail or the log', async () => {
    const slackPath = '/services/T000/B000/sl4ckS3cretPath';
    const slack = await subscribe({ channel: { type: 'slack', url: `${rx.url}${slackPath}` } });
    expect(slack.status).toBe(201);
    expect(slack.body.channel).toEqual({ type: 'slack', url: `${rx.url}/…` });
    const hook = await subscribe({ channel: { type: 'webhook', url: `${rx.url}/w` } });
    const rotated = await h.api('POST', `/api/v1/notifications/subscriptions/${hook.body.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.signingSecret).not.toBe(hook.body.signingSecret);
    const patched = await h.api('PATCH', `/api/v1/notifications/subscriptions/${slack.body.id}`, {
      body: { channel: { type: 'slack', url: `${rx.url}${slackPath}2` }, enabled: false },
    });
    expect(patched.status).toBe(200);
    await h.api('DELETE', `/api/v1/notifications/subscriptions/${slack.body.id}`);
    const everything = [
      JSON.stringify((await h.api('GET', '/api/v1/notifications/subscriptions?limit=500')).body),
      JSON.stringify((await h.api('GET', '/api/v1/audit?limit=500')).body),
      JSON.stringify(patched.body),
      h.logs.join('\n'),
    ].join('\n');
    for (const secret of [slackPath, hook.body.signingSecret, rotated.body.signingSecret, SMTP_PASSWORD])
      expect(everything).not.toContain(secret);
    const actions = (await h.api('GET', '/api/v1/audit?action=notification.*&limit=500')).body.items.map(
      (e: { action: string }) => e.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        'notification.subscription-created',
        'notification.subscription-updated',
        'notification.subscription-deleted',
        'notification.subscription-secret-rotated',
      ]),
    );
    // at rest: sealed, not readable in the table
    const rows = await h.sql<{ channel_sealed: string }>(
      `SELECT channel_sealed FROM notification_subscriptions`,
    );
    for (const r of rows) expect(r.channel_sealed).not.toContain('sl4ck');
  });
});

describe('API rules', () => {
  it('answers 400s naming the problem, 404 to another project and 403 to a non-admin without a project', async () => {
    const bad = await subscribe({ channel: { type: 'email', to: ['x@example.com'] } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('channel.smtp');
    const badSelector = await subscribe({
      filter: { clusterSelector: 'env in (' },
      channel: { type: 'webhook', url: `${rx.url}/x` },
    });
    expect(badSelector.status).toBe(400);
    expect(badSelector.text).toContain('filter.clusterSelector');
    const noProject = await subscribe({
      filter: { project: 'nope' },
      channel: { type: 'webhook', url: `${rx.url}/x` },
    });
    expect(noProject.status).toBe(404);
    const a = (
      await h.api('POST', '/api/v1/tokens', { body: { name: 'op-a', projects: { 'team-a': 'operator' } } })
    ).body.token;
    const b = (
      await h.api('POST', '/api/v1/tokens', { body: { name: 'op-b', projects: { 'team-b': 'operator' } } })
    ).body.token;
    expect((await subscribe({ channel: { type: 'webhook', url: `${rx.url}/x` } }, a)).status).toBe(403);
    const mine = await subscribe(
      { filter: { project: 'team-a' }, channel: { type: 'webhook', url: `${rx.url}/x` } },
      a,
    );
    expect(mine.status).toBe(201);
    expect(
      (await h.api('GET', `/api/v1/notifications/subscriptions/${mine.body.id}`, { token: b })).status,
    ).toBe(404);
    const listB = (await h.api('GET', '/api/v1/notifications/subscriptions', { token: b })).body.items;
    expect(listB).toEqual([]);
    const listA = (await h.api('GET', '/api/v1/notifications/subscriptions', { token: a })).body.items.map(
      (s: { name: string }) => s.name,
    );
    expect(listA).toContain(mine.body.name);
    const all = (await h.api('GET', '/api/v1/notifications/subscriptions?limit=500')).body.items;
    const teamA = all.filter((x: { filter: { project: string | null } }) => x.filter.project === 'team-a');
    expect(listA.sort()).toEqual(teamA.map((x: { name: string }) => x.name).sort());
    // moving it out of the project is an admin's decision
    const out = await h.api('PATCH', `/api/v1/notifications/subscriptions/${mine.body.id}`, {
      token: a,
      body: { filter: {} },
    });
    expect(out.status).toBe(403);
  });
});

describe('API input', () => {
  it('refuses a forged deliveries cursor with a 400, not a database error', async () => {
    const s = await subscribe({ channel: { type: 'webhook', url: `${rx.url}/c` } });
    const forged = Buffer.from(JSON.stringify(['2026-01-01T00:00:00Z', 'not-a-uuid'])).toString('base64url');
    const r = await h.api(
      'GET',
      `/api/v1/notifications/subscriptions/${s.body.id}/deliveries?cursor=${forged}`,
    );
    expect(r.status).toBe(400);
    expect(r.text).toContain('cursor');
  });
});
