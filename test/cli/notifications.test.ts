import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { NotificationWorker } from '../../src/hub/notifications/notification-worker.service.js';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { startHttpReceiver, type HttpReceiver } from '../support/notification-receivers.js';
import { CliSession } from './cli-harness.js';

let h: TestHub;
let cli: CliSession;
let rx: HttpReceiver;

const look = () => h.hub.app.get(NotificationWorker).look();

beforeAll(async () => {
  rx = await startHttpReceiver();
  h = await startTestHub(inject('postgresUrl'), {
    FLOTILLA_NOTIFY_ALLOWED_HOSTS: '127.0.0.1',
    FLOTILLA_NOTIFY_INTERVAL_MS: '0',
    FLOTILLA_NOTIFY_GROUP_SECONDS: '0',
    FLOTILLA_NOTIFY_MAX_ATTEMPTS: '1',
  });
  cli = await CliSession.create({ FLOTILLA_URL: h.url, FLOTILLA_TOKEN: h.adminToken });
});
afterAll(async () => {
  await h?.close();
  await cli?.close();
  await rx?.close();
});

describe('flotilla notification', () => {
  it('creates a webhook subscription, printing its signing secret once, and lists and shows it', async () => {
    const out = await cli.ok([
      'notification',
      'create',
      'ops',
      '--action',
      'sync.failed',
      '--action',
      'rollout.*',
      '--outcome',
      'failure',
      '--webhook',
      `${rx.url}/ops`,
    ]);
    const secret = /\n {2}(fns_\S+)\n$/.exec(out)?.[1];
    expect(secret).toBeDefined();
    expect(out).toMatch(/actions:\s+sync\.failed, rollout\.\*/);
    const table = (await cli.ok(['notification', 'list'])).trimEnd().split('\n');
    expect(table[0]).toMatch(/^NAME\s+CHANNEL\s+PROJECT\s+ACTIONS\s+OUTCOME\s+ENABLED$/);
    expect(table[1]).toMatch(/^ops\s+webhook\s+-\s+sync\.failed,rollout\.\*\s+failure\s+yes$/);
    const got = await cli.ok(['notification', 'get', 'ops']);
    expect(got).toContain(`webhook ${rx.url}/ops`);
    expect(got).not.toContain(secret!);
  });

  it('sends a test message, shows it in deliveries, and the receiver can check its signature', async () => {
    const secret = (
      await h.api(
        'POST',
        `/api/v1/notifications/subscriptions/${(await cli.json(['notification', 'get', 'ops'])).id}/rotate-secret`,
      )
    ).body.signingSecret as string;
    rx.answer = () => 200;
    expect(await cli.ok(['notification', 'test', 'ops'])).toMatch(/^test message \S+ queued for ops\n$/);
    await look();
    const [d] = await cli.json(['notification', 'deliveries', 'ops']);
    expect(d).toMatchObject({ status: 'delivered', attempts: 1, title: 'Test message for subscription ops' });
    const last = rx.received[rx.received.length - 1];
    expect(last.headers['x-flotilla-signature']).toBe(
      `sha256=${createHmac('sha256', secret).update(last.body).digest('hex')}`,
    );
    const table = await cli.ok(['notification', 'deliveries', 'ops', '--status', 'delivered']);
    expect(table).toMatch(/delivered\s+1\s+0\s+/);
  });

  it('shows a failed delivery with its error and retries it', async () => {
    rx.answer = () => 500;
    await cli.ok(['notification', 'test', 'ops']);
    await look();
    const [failed] = await cli.json(['notification', 'deliveries', 'ops', '--status', 'failed']);
    expect(failed.lastError).toBe(`127.0.0.1:${rx.port} answered 500`);
    rx.answer = () => 200;
    expect(await cli.ok(['notification', 'retry', 'ops', failed.id])).toBe(
      `delivery ${failed.id} queued again\n`,
    );
    await look();
    expect(await cli.json(['notification', 'deliveries', 'ops', '--status', 'failed'])).toEqual([]);
  });

  it('takes a Slack URL from stdin and never prints it; updates and deletes', async () => {
    const url = `${rx.url}/services/T1/B1/s3cretpart`;
    const out = await cli.ok(['notification', 'create', 'chat', '--slack-url-stdin', '--disabled'], {
      input: `${url}\n`,
    });
    expect(out).not.toContain('s3cretpart');
    expect(out).toContain(`slack ${rx.url}/…`);
    const updated = await cli.json([
      'notification',
      'update',
      'chat',
      '--enable',
      '--rename',
      'chat2',
      '--action',
      'job.',
    ]);
    expect(updated).toMatchObject({ name: 'chat2', enabled: true, filter: { actions: ['job.'] } });
    expect(JSON.stringify(updated)).not.toContain('s3cretpart');
    expect(await cli.ok(['notification', 'delete', 'chat2'])).toBe(
      'notification subscription chat2 deleted\n',
    );
    const missing = await cli.run(['notification', 'get', 'chat2']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("notification subscription 'chat2' not found");
  });

  it('refuses bad usage with a usage error and the hub’s 400s with their message', async () => {
    const none = await cli.run(['notification', 'create', 'x']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('give a channel');
    const two = await cli.run([
      'notification',
      'create',
      'x',
      '--webhook',
      `${rx.url}/a`,
      '--email',
      'a@example.com',
    ]);
    expect(two.code).toBe(2);
    const bad = await cli.run([
      'notification',
      'create',
      'x',
      '--webhook',
      `${rx.url}/a`,
      '--cluster-selector',
      'env in (',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('filter.clusterSelector');
  });
});
