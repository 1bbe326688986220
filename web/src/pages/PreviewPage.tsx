import { Fragment, useState } from 'react';
import { api, enc, type FieldChange, type Preview, type PreviewCluster, type PreviewObject } from '../api';
import { Link } from '../router';
import { Badge, ErrorBox, Rev, time, useData } from '../util';

/** While a preview runs, agents answer within seconds: poll often, stop once it is complete. */
const POLL_MS = 2_000;

/** The badge class of a cluster's preview state. */
const CLUSTER_KIND: Record<PreviewCluster['state'], string> = {
  changes: 'outofsync',
  'in-sync': 'ok',
  failed: 'failed',
  pending: 'pending',
  unknown: 'unknown',
};

/** The badge class of an object's action. */
const ACTION_KIND: Record<PreviewObject['action'], string> = {
  create: 'outofsync',
  change: 'outofsync',
  prune: 'outofsync',
  unchanged: 'ok',
  refused: 'failed',
  denied: 'failed',
};

/** A JSON value as one line; an absent one (an added or removed field) as a dash. */
function value(v: unknown): string {
  return v === undefined ? '—' : JSON.stringify(v);
}

/** How many objects of a cluster have an action. */
const count = (c: PreviewCluster, action: PreviewObject['action']) =>
  c.objects.filter((o) => o.action === action).length;

function Changes({ changes, truncated }: { changes: FieldChange[]; truncated?: boolean }) {
  return (
    <>
      <ul className="preview-changes">
        {changes.map((f, i) => (
          <li key={`${f.path} ${i}`} data-path={f.path}>
            <code>{f.path}</code> <span className="small muted">{f.op}</span>:{' '}
            <code className="del">{value(f.before)}</code> → <code className="add">{value(f.after)}</code>
          </li>
        ))}
      </ul>
      {truncated && <p className="small muted">More fields change than are listed.</p>}
    </>
  );
}

/** A cluster's objects: the ones that move first, with their field changes; unchanged ones folded. */
function ClusterObjects({ c }: { c: PreviewCluster }) {
  const moving = c.objects.filter((o) => o.action !== 'unchanged');
  const unchanged = c.objects.filter((o) => o.action === 'unchanged');
  return (
    <div className="preview-objects" data-testid="preview-objects" data-cluster={c.clusterName}>
      {c.renderError && (
        <p className="conflict" data-testid="render-error">
          Render failed: {c.renderError}
        </p>
      )}
      {c.policyDenials.length > 0 && (
        <ul className="conflict" aria-label={`Policy denials on ${c.clusterName}`}>
          {c.policyDenials.map((d) => (
            <li key={d.resource}>
              <code>{d.resource}</code>: {d.reason}
            </li>
          ))}
        </ul>
      )}
      {moving.length > 0 ? (
        <ul className="preview-object-list" aria-label={`Objects that change on ${c.clusterName}`}>
          {moving.map((o) => (
            <li key={o.id} data-object={o.id} data-action={o.action}>
              <Badge value={o.action} kind={ACTION_KIND[o.action]} /> <code>{o.id}</code>
              {o.message && <div className="small message">{o.message}</div>}
              {o.changes && o.changes.length > 0 && <Changes changes={o.changes} truncated={o.truncated} />}
            </li>
          ))}
        </ul>
      ) : (
        !c.renderError && <p className="muted small">No object changes.</p>
      )}
      {unchanged.length > 0 && (
        <details data-testid="unchanged">
          <summary>
            {unchanged.length} unchanged object{unchanged.length === 1 ? '' : 's'}
          </summary>
          <ul className="small">
            {unchanged.map((o) => (
              <li key={o.id}>
                <code>{o.id}</code>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

/**
 * A fleet-wide preview: the summary sentence and counts, one row per cluster (state, what
 * would be created, changed, pruned, and why it fails), each row opening onto its objects and
 * their field changes. Polls while the agents are still answering.
 */
export function PreviewPage({ id }: { id: string }) {
  const [running, setRunning] = useState(true);
  const { data: p, error } = useData(
    async () => {
      const r = await api<Preview>('GET', `/api/v1/previews/${enc(id)}`);
      setRunning(r.state === 'running');
      return r;
    },
    [id],
    running ? POLL_MS : 0,
  );
  const [open, setOpen] = useState<Set<string>>(new Set());
  const toggle = (clusterId: string) =>
    setOpen((o) => {
      const n = new Set(o);
      if (n.has(clusterId)) n.delete(clusterId);
      else n.add(clusterId);
      return n;
    });
  if (!p) return error ? <ErrorBox error={error} /> : <p className="loading">Loading…</p>;
  const s = p.summary;
  const ref = p.ref.branch ? `branch ${p.ref.branch}` : p.ref.revision ? `revision ${p.ref.revision}` : null;
  return (
    <section aria-labelledby="preview-title" data-testid="preview">
      <p className="crumbs">
        <Link href="/">Fleet</Link> /{' '}
        {p.applicationId ? (
          <Link href={`/applications/${enc(p.applicationId)}`}>{p.applicationName}</Link>
        ) : (
          p.applicationName
        )}{' '}
        / preview
      </p>
      <h1 id="preview-title">
        Preview of {p.applicationName} at <Rev rev={p.revisionDisplay ?? p.ref.branch ?? p.ref.revision} />
      </h1>
      <p className="meta">
        project {p.projectName} ·{' '}
        <span data-testid="preview-state">
          <Badge
            value={p.state}
            kind={p.state === 'running' ? 'progressing' : p.state === 'complete' ? 'ok' : 'unknown'}
          />
        </span>{' '}
        · asked {time(p.createdAt)} by {p.requestedBy}
        {ref && <> · {ref}</>} · expires {time(p.expiresAt)}
      </p>
      <ErrorBox error={error} />
      <p className="preview-summary" role="status" data-testid="preview-summary">
        {s.text}
      </p>
      <dl className="counts" aria-label="Clusters by outcome">
        <div className="s-outofsync">
          <dt>Changing</dt>
          <dd data-testid="count-changing">{s.changing}</dd>
        </div>
        <div className="s-ok">
          <dt>In sync</dt>
          <dd data-testid="count-in-sync">{s.inSync}</dd>
        </div>
        <div className="s-failed">
          <dt>Failing</dt>
          <dd data-testid="count-failing">{s.failing}</dd>
        </div>
        <div>
          <dt>Unknown</dt>
          <dd data-testid="count-unknown">{s.unknown}</dd>
        </div>
        <div className="s-progressing">
          <dt>Pending</dt>
          <dd data-testid="count-pending">{s.pending}</dd>
        </div>
      </dl>
      <p className="small muted">
        Objects: {s.creates} to create, {s.changes} to change, {s.prunes} to prune, on {s.clusters} cluster
        {s.clusters === 1 ? '' : 's'}.
      </p>
      <h2>Clusters</h2>
      <div className="table-wrap">
        <table data-testid="preview-clusters">
          <thead>
            <tr>
              <th scope="col">Cluster</th>
              <th scope="col">State</th>
              <th scope="col">Create</th>
              <th scope="col">Change</th>
              <th scope="col">Prune</th>
              <th scope="col">Reason</th>
              <th scope="col">Objects</th>
            </tr>
          </thead>
          <tbody>
            {p.clusters.map((c) => (
              <Fragment key={c.clusterId}>
                <tr data-cluster={c.clusterName} data-state={c.state}>
                  <th scope="row">{c.clusterName}</th>
                  <td>
                    <Badge value={c.state} kind={CLUSTER_KIND[c.state]} />
                  </td>
                  <td>{count(c, 'create')}</td>
                  <td>{count(c, 'change')}</td>
                  <td>{count(c, 'prune')}</td>
                  <td className="message">{c.reason ?? '—'}</td>
                  <td>
                    <button
                      type="button"
                      className="linkish"
                      aria-expanded={open.has(c.clusterId)}
                      onClick={() => toggle(c.clusterId)}
                    >
                      {open.has(c.clusterId) ? 'Hide' : 'Show'} {c.objects.length} object
                      {c.objects.length === 1 ? '' : 's'}
                      <span className="sr-only"> on {c.clusterName}</span>
                    </button>
                  </td>
                </tr>
                {open.has(c.clusterId) && (
                  <tr id={`objects-${c.clusterId}`}>
                    <td colSpan={7}>
                      <ClusterObjects c={c} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
