import { useState } from 'react';
import { useCanWrite } from '../App';
import { api, enc, type Delivery, type Subscription } from '../api';
import { Link, navigate } from '../router';
import { Badge, ErrorBox, LoadMore, errorText, time, useData, usePages } from '../util';
import { DELIVERY_KIND, SubscriptionActions, channelSummary, filterSummary } from './NotificationsPage';

const STATUSES = ['', 'pending', 'delivered', 'failed'] as const;

/** One subscription: its filter and channel, the operator's commands, and every delivery with its attempts. */
export function SubscriptionPage({ id }: { id: string }) {
  const canWrite = useCanWrite();
  const base = `/api/v1/notifications/subscriptions/${enc(id)}`;
  const { data: s, error, reload } = useData(() => api<Subscription>('GET', base), [id]);
  const [status, setStatus] = useState<(typeof STATUSES)[number]>('');
  const [refresh, setRefresh] = useState(0);
  const {
    items,
    cursor,
    error: listError,
    more,
  } = usePages<Delivery>(
    `${base}/deliveries?limit=50${status ? `&status=${status}` : ''}`,
    [id, status, refresh],
    3_000,
  );
  const [notice, setNotice] = useState<string | null>(null);
  const [retryError, setRetryError] = useState<string | null>(null);
  const changed = (n: string) => {
    setNotice(n);
    reload();
    setRefresh((r) => r + 1);
  };
  const retry = async (d: Delivery) => {
    setRetryError(null);
    try {
      await api('POST', `${base}/deliveries/${enc(d.id)}/retry`);
      changed(`Delivery "${d.title}" queued again`);
    } catch (e) {
      setRetryError(`Retry failed: ${errorText(e)}`);
    }
  };
  if (!s) return error ? <ErrorBox error={error} /> : <p className="loading">Loading…</p>;
  return (
    <section aria-labelledby="subscription-title">
      <p className="crumbs">
        <Link href="/notifications">Notifications</Link> / subscription
      </p>
      <h1 id="subscription-title">{s.name}</h1>
      <dl className="details" data-testid="subscription">
        <dt>Channel</dt>
        <dd>
          {s.channel.type} · {channelSummary(s.channel)}
        </dd>
        <dt>Filter</dt>
        <dd data-testid="filter">{filterSummary(s.filter)}</dd>
        <dt>Enabled</dt>
        <dd data-testid="enabled">{s.enabled ? 'yes' : 'no'}</dd>
        <dt>Created</dt>
        <dd>{time(s.createdAt)}</dd>
      </dl>
      <ErrorBox error={error} />
      {canWrite && (
        <SubscriptionActions s={s} onChanged={changed} onDeleted={() => navigate('/notifications')} />
      )}
      {notice && (
        <p className="notice" role="status" data-testid="notice">
          {notice}
        </p>
      )}
      <h2>Deliveries</h2>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select
            name="status"
            value={status}
            onChange={(e) => setStatus(e.target.value as (typeof STATUSES)[number])}
          >
            {STATUSES.map((v) => (
              <option key={v} value={v}>
                {v || 'all'}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorBox error={listError} />
      <ErrorBox error={retryError} />
      {/* focusable: on a phone the table scrolls sideways, also when no row holds a link */}
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Deliveries">
        <table data-testid="deliveries">
          <thead>
            <tr>
              <th scope="col">Message</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last error</th>
              <th scope="col">Next attempt</th>
              <th scope="col">Delivered</th>
              {canWrite && <th scope="col">Retry</th>}
            </tr>
          </thead>
          <tbody>
            {items.length === 0 && (
              <tr>
                <td colSpan={canWrite ? 7 : 6} className="muted">
                  No deliveries{status && ` ${status}`}.
                </td>
              </tr>
            )}
            {items.map((d) => (
              <tr key={d.id} data-delivery={d.idempotencyKey} data-status={d.status}>
                <td className="message">
                  {d.title}
                  <div className="small muted">
                    {d.eventCount} event{d.eventCount === 1 ? '' : 's'} · {time(d.createdAt)} · key{' '}
                    <code>{d.idempotencyKey}</code>
                  </div>
                </td>
                <td>
                  <Badge value={d.status} kind={DELIVERY_KIND[d.status]} />
                </td>
                <td data-testid="attempts">{d.attempts}</td>
                <td className="message" data-testid="last-error">
                  {d.lastError ?? '—'}
                </td>
                <td>{time(d.nextAttemptAt)}</td>
                <td>{time(d.deliveredAt)}</td>
                {canWrite && (
                  <td>
                    {d.status === 'failed' ? (
                      <button type="button" onClick={() => void retry(d)} aria-label={`Retry ${d.title}`}>
                        Retry
                      </button>
                    ) : (
                      '—'
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <LoadMore cursor={cursor} more={more} />
    </section>
  );
}
