import { useState } from 'react';
import { useCanWrite } from '../App';
import { all, api, enc, type Delivery, type Page, type Subscription } from '../api';
import { SubscriptionForm } from '../components/SubscriptionForm';
import { Link } from '../router';
import { Badge, ErrorBox, errorText, useData } from '../util';

/** The badge class of a delivery status. */
export const DELIVERY_KIND: Record<Delivery['status'], string> = {
  pending: 'pending',
  delivered: 'ok',
  failed: 'failed',
};

/** The filter in one line: "sync.failed, rollout.* · app web · project team-a · env=prod · failure". */
export function filterSummary(f: Subscription['filter']): string {
  return [
    f.actions.length ? f.actions.join(', ') : 'every action',
    f.application && `application ${f.application}`,
    f.project && `project ${f.project}`,
    f.clusterSelector && `clusters ${f.clusterSelector}`,
    f.outcome !== 'any' && `${f.outcome} only`,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** Where messages go, without a secret (the hub masks those): the URL, host or recipients. */
export function channelSummary(c: Subscription['channel']): string {
  if (c.type === 'email') return `to ${(c.to ?? []).join(', ')}`;
  return c.url ?? '';
}

interface Row {
  s: Subscription;
  last: Delivery | null;
}

/** Every subscription with its newest delivery (the status column). */
async function loadRows(): Promise<Row[]> {
  const subs = await all<Subscription>('/api/v1/notifications/subscriptions', 100);
  return Promise.all(
    subs.map(async (s) => {
      const p = await api<Page<Delivery>>(
        'GET',
        `/api/v1/notifications/subscriptions/${enc(s.id)}/deliveries?limit=1`,
      );
      return { s, last: p.items[0] ?? null };
    }),
  );
}

/**
 * The operator's commands on one subscription: enable or disable, send a test message, and
 * delete (after a confirmation). Shared by the list and the subscription's page.
 */
export function SubscriptionActions({
  s,
  onChanged,
  onDeleted,
}: {
  s: Subscription;
  onChanged: (notice: string) => void;
  onDeleted: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const base = `/api/v1/notifications/subscriptions/${enc(s.id)}`;
  const run = async (what: string, f: () => Promise<string>) => {
    setError(null);
    try {
      onChanged(await f());
    } catch (e) {
      setError(`${what} failed: ${errorText(e)}`);
    }
  };
  return (
    <div className="actions" role="group" aria-label={`Actions on ${s.name}`}>
      <button
        type="button"
        className="secondary"
        onClick={() =>
          void run(s.enabled ? 'Disable' : 'Enable', async () => {
            await api('PATCH', base, { body: { enabled: !s.enabled } });
            return `${s.name} ${s.enabled ? 'disabled' : 'enabled'}`;
          })
        }
      >
        {s.enabled ? 'Disable' : 'Enable'}
      </button>
      <button
        type="button"
        className="secondary"
        onClick={() =>
          void run('Send test', async () => {
            await api('POST', `${base}/test`);
            return `Test message queued for ${s.name}`;
          })
        }
      >
        Send test
      </button>
      {!confirming ? (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Delete
        </button>
      ) : (
        <span role="group" aria-label={`Confirm deleting ${s.name}`}>
          <span className="small">Delete {s.name} and its delivery records?</span>{' '}
          <button
            type="button"
            className="danger"
            onClick={() =>
              void run('Delete', async () => {
                await api('DELETE', base);
                onDeleted();
                return `${s.name} deleted`;
              })
            }
          >
            Delete {s.name}
          </button>{' '}
          <button type="button" className="secondary" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </span>
      )}
      <ErrorBox error={error} />
    </div>
  );
}

/** Subscriptions to fleet events: who is told what, how, and whether the last message arrived. */
export function NotificationsPage() {
  const canWrite = useCanWrite();
  const { data, error, reload } = useData(loadRows, [], 10_000);
  const [notice, setNotice] = useState<string | null>(null);
  const changed = (n: string) => {
    setNotice(n);
    reload();
  };
  return (
    <section aria-labelledby="notifications-title">
      <h1 id="notifications-title">Notifications</h1>
      <p className="meta">
        Audit events matching a subscription&apos;s filter are sent to its channel: at least once, grouped per
        application outcome or rollout batch, with an idempotency key.
      </p>
      <ErrorBox error={error} />
      {notice && (
        <p className="notice" role="status" data-testid="notice">
          {notice}
        </p>
      )}
      {/* focusable: on a phone the table scrolls sideways, also when no row holds a link */}
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Subscriptions">
        <table data-testid="subscriptions">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Channel</th>
              <th scope="col">Filter</th>
              <th scope="col">Enabled</th>
              <th scope="col">Last delivery</th>
              {canWrite && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {data?.length === 0 && (
              <tr>
                <td colSpan={canWrite ? 6 : 5} className="muted">
                  No subscriptions yet.
                </td>
              </tr>
            )}
            {data?.map(({ s, last }) => (
              <tr key={s.id} data-subscription={s.name}>
                <th scope="row">
                  <Link href={`/notifications/${enc(s.id)}`}>{s.name}</Link>
                </th>
                <td>
                  {s.channel.type} <div className="small muted message">{channelSummary(s.channel)}</div>
                </td>
                <td className="message" data-testid="filter">
                  {filterSummary(s.filter)}
                </td>
                <td data-testid="enabled">{s.enabled ? 'yes' : 'no'}</td>
                <td data-testid="last-delivery">
                  {last ? (
                    <Badge value={last.status} kind={DELIVERY_KIND[last.status]} />
                  ) : (
                    <span className="muted">none</span>
                  )}
                </td>
                {canWrite && (
                  <td>
                    <SubscriptionActions s={s} onChanged={changed} onDeleted={() => undefined} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {canWrite && <SubscriptionForm onCreated={(s) => changed(`${s.name} created`)} />}
    </section>
  );
}
