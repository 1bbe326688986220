import { useEffect, useState } from 'react';
import { useCanWrite } from '../App';
import { api, enc, type ApplicationDetail, type Deployment, type Page, type ResourceStatus } from '../api';
import { ApplicationActions as Actions } from '../components/ApplicationActions';
import { ApplicationSource } from '../components/ApplicationSource';
import { PreviewRequest } from '../components/PreviewRequest';
import { RolloutView } from '../components/RolloutView';
import { Link, useLocation } from '../router';
import {
  Badge,
  ErrorBox,
  LoadMore,
  Rev,
  RewoundWarning,
  errorText,
  stateClass,
  time,
  useData,
  usePages,
} from '../util';

/** `group/Kind/namespace/name` → its parts. */
export function parseResource(id: string) {
  const [group, kind, namespace, ...name] = id.split('/');
  return { group, kind, namespace, name: name.join('/') };
}

export function ApplicationPage({ id }: { id: string }) {
  const canWrite = useCanWrite();
  const { query } = useLocation();
  const {
    data: app,
    error,
    reload,
  } = useData(() => api<ApplicationDetail>('GET', `/api/v1/applications/${enc(id)}`), [id], 5_000);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [historyKey, setHistoryKey] = useState(0);
  const selected = query.get('cluster') ?? app?.clusters[0]?.clusterId ?? null;

  const act = async (what: string, path: string, body?: unknown) => {
    setActionError(null);
    setNotice(null);
    try {
      const r = await api<{ revision: string; jobs: number }>(
        'POST',
        `/api/v1/applications/${enc(id)}/${path}`,
        {
          body: body ?? {},
        },
      );
      setNotice(`${what}: ${r.jobs} job(s) queued for ${r.revision}`);
      reload();
      setHistoryKey((k) => k + 1);
    } catch (e) {
      setActionError(`${what} failed: ${errorText(e)}`);
    }
  };

  if (!app) return error ? <ErrorBox error={error} /> : <p className="loading">Loading…</p>;
  const pinned = app.revision;
  return (
    <section aria-labelledby="app-title">
      <p className="crumbs">
        <Link href="/">Fleet</Link> / application
      </p>
      <h1 id="app-title">{app.name}</h1>
      <p className="meta">
        project{' '}
        <Link href={`/projects/${enc(app.project)}`} data-testid="app-project">
          {app.project}
        </Link>{' '}
        {app.generatedBy && (
          <>
            ·{' '}
            <Link href={`/generators/${enc(app.generatedBy)}`} data-testid="app-generated">
              <Badge value="generated" kind="generated" />
            </Link>{' '}
          </>
        )}
        · <Link href={`/repositories/${enc(app.repositoryId)}?path=${enc(app.path)}`}>{app.path}</Link> ·{' '}
        {app.syncPolicy.automated ? 'automated' : 'manual'} sync
        {app.syncPolicy.prune && ' · prune'}
        {app.syncPolicy.selfHeal && ' · self-heal'}
        {app.suspended && (
          <>
            {' '}
            · <Badge value="suspended" />
          </>
        )}
        {pinned && (
          <>
            {' '}
            · pinned to <Rev rev={pinned} />
          </>
        )}
        {' · '}
        <Link href={`/audit?application=${enc(app.id)}`}>audit history</Link>
      </p>
      {(app.dependsOn?.length ?? 0) > 0 && (
        <p className="meta" data-testid="depends-on">
          depends on{' '}
          {app.dependsOn.map((d, i) => (
            <span key={d}>
              {i > 0 && ', '}
              <Link href={`/applications/${enc(d)}`}>{d}</Link>
            </span>
          ))}{' '}
          (synced on each cluster only once these are Synced and Healthy there)
        </p>
      )}
      {(app.healthChecks?.length ?? 0) > 0 && (
        <div className="meta" data-testid="app-health-checks">
          own health checks (winning over the hub&apos;s for their kinds):
          <ul>
            {app.healthChecks.map((h) => (
              <li key={`${h.group}/${h.kind}`}>
                {h.group || 'core'}/{h.kind}: current when <code>{h.current}</code>
                {h.inProgress && (
                  <>
                    , in progress when <code>{h.inProgress}</code>
                  </>
                )}
                {h.failed && (
                  <>
                    , failed when <code>{h.failed}</code>
                  </>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
      <RewoundWarning rewound={app.rewound} />
      {app.warnings.length > 0 && (
        <ul className="conflict" role="status" data-testid="render-warnings">
          {app.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <ErrorBox error={error} />
      {canWrite && (
        <Actions
          app={app}
          onSync={() => act('Sync', 'sync')}
          onRollback={(rev) => act('Rollback', 'rollback', { revision: rev })}
          onUnpin={() => act('Unpin', 'unpin')}
        />
      )}
      {notice && (
        <p className="notice" role="status" data-testid="notice">
          {notice}
        </p>
      )}
      <ErrorBox error={actionError} />

      <h2>Clusters</h2>
      <div className="table-wrap">
        <table data-testid="app-clusters">
          <thead>
            <tr>
              <th scope="col">Cluster</th>
              <th scope="col">Connection</th>
              <th scope="col">Wanted</th>
              <th scope="col">Applied</th>
              <th scope="col">Sync</th>
              <th scope="col">Health</th>
              <th scope="col">Last job</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {app.clusters.map((c) => (
              <tr
                key={c.clusterId}
                data-cluster={c.clusterName}
                className={c.clusterId === selected ? 'selected' : undefined}
              >
                <th scope="row">
                  <Link
                    href={`/applications/${enc(id)}?cluster=${enc(c.clusterId)}`}
                    aria-current={c.clusterId === selected ? 'true' : undefined}
                    title="Show the resources of this cluster"
                  >
                    {c.clusterName}
                  </Link>
                </th>
                <td>
                  <Badge value={c.connectionState} />
                </td>
                <td>
                  <Rev rev={c.revisionWanted} />
                </td>
                <td>
                  <Rev rev={c.revisionApplied} />
                </td>
                <td>
                  <Badge value={c.sync} kind={stateClass(c.sync, 'Current')} />
                </td>
                <td>
                  <Badge value={c.health} kind={stateClass('Synced', c.health)} />
                </td>
                <td data-testid="last-job">
                  {c.lastJob ? (
                    <>
                      {c.lastJob.kind} <Badge value={c.lastJob.state} />{' '}
                      <span className="small muted">
                        #{c.lastJob.attempts} · {time(c.lastJob.updatedAt)}
                      </span>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td className="message">
                  {c.waitingFor && (
                    <>
                      <Badge value="waiting" kind="pending" />{' '}
                    </>
                  )}
                  <span data-testid={c.waitingFor ? 'waiting-for' : undefined}>
                    {[...new Set([c.message, c.lastJob?.error].filter(Boolean))].join('\n') || '—'}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <RolloutView appId={app.id} hasStrategy={!!app.rollout} canWrite={canWrite} />
      <PreviewRequest appId={app.id} canWrite={canWrite} />
      {selected && (
        <Resources
          appId={id}
          clusterId={selected}
          clusterName={app.clusters.find((c) => c.clusterId === selected)?.clusterName ?? selected}
        />
      )}
      <ApplicationSource app={app} />
      <History appId={id} refreshKey={historyKey} />
    </section>
  );
}

function Resources({
  appId,
  clusterId,
  clusterName,
}: {
  appId: string;
  clusterId: string;
  clusterName: string;
}) {
  const { data, error } = useData(
    () =>
      api<{ items: ResourceStatus[] }>(
        'GET',
        `/api/v1/applications/${enc(appId)}/resources?cluster=${enc(clusterId)}`,
      ),
    [appId, clusterId],
    5_000,
  );
  const [open, setOpen] = useState<string | null>(null);
  const shown = data?.items.find((r) => r.resource === open);
  return (
    <>
      <h2>
        Resources on {clusterName}{' '}
        <Link className="small" href={`/audit?cluster=${enc(clusterId)}`}>
          cluster history
        </Link>
      </h2>
      <ErrorBox error={error} />
      <div className="table-wrap">
        <table data-testid="resources">
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Namespace</th>
              <th scope="col">Name</th>
              <th scope="col">Health</th>
              <th scope="col">Drift</th>
              <th scope="col">History</th>
            </tr>
          </thead>
          <tbody>
            {data?.items.length === 0 && (
              <tr>
                <td colSpan={6} className="muted">
                  No resources reported yet.
                </td>
              </tr>
            )}
            {data?.items.map((r) => {
              const p = parseResource(r.resource);
              return (
                <tr key={r.resource} data-resource={r.resource}>
                  <td>{p.kind}</td>
                  <td>{p.namespace || '—'}</td>
                  <td>{p.name}</td>
                  <td>
                    <Badge value={r.health} kind={stateClass('Synced', r.health)} />
                    {r.healthMessage && <div className="small muted">{r.healthMessage}</div>}
                  </td>
                  <td>
                    {r.drifted ? (
                      <button
                        type="button"
                        className="linkish"
                        aria-expanded={open === r.resource}
                        onClick={() => setOpen(open === r.resource ? null : r.resource)}
                      >
                        <Badge value="Drifted" kind="outofsync" />{' '}
                        {open === r.resource ? 'Hide diff' : 'Show diff'}
                      </button>
                    ) : (
                      <span className="muted">none</span>
                    )}
                  </td>
                  <td>
                    <Link href={`/audit?cluster=${enc(clusterId)}&resource=${enc(r.resource)}`}>history</Link>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {shown && <DiffView resource={shown.resource} diff={shown.diff ?? ''} />}
    </>
  );
}

/**
 * The agent's drift text, `- path: live` / `+ path: desired` lines, side by side: the cluster's
 * live values on the left, the repository's desired values on the right.
 */
export function DiffView({ resource, diff }: { resource: string; diff: string }) {
  const rows: { left: string | null; right: string | null; changed: boolean }[] = [];
  let pendingLeft: string[] = [];
  const flush = () => {
    for (const l of pendingLeft) rows.push({ left: l, right: null, changed: true });
    pendingLeft = [];
  };
  for (const line of diff.split('\n')) {
    if (line.startsWith('-')) pendingLeft.push(line.slice(1).trimStart());
    else if (line.startsWith('+')) {
      const right = line.slice(1).trimStart();
      const left = pendingLeft.shift();
      rows.push({ left: left ?? null, right, changed: true });
    } else {
      flush();
      if (line.trim()) rows.push({ left: line, right: line, changed: false });
    }
  }
  flush();
  return (
    <figure className="diff" data-testid="diff" aria-label={`Drift of ${resource}`}>
      <figcaption>
        Drift of <code>{resource}</code>
      </figcaption>
      <table>
        <thead>
          <tr>
            <th scope="col">Live (cluster)</th>
            <th scope="col">Desired (repository)</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <td className={r.changed && r.left !== null ? 'del' : undefined}>
                {r.left !== null && (
                  <>
                    <span className="sign" aria-label="removed">
                      {r.changed ? '-' : ' '}
                    </span>
                    {r.left}
                  </>
                )}
              </td>
              <td className={r.changed && r.right !== null ? 'add' : undefined}>
                {r.right !== null && (
                  <>
                    <span className="sign" aria-label="added">
                      {r.changed ? '+' : ' '}
                    </span>
                    {r.right}
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function History({ appId, refreshKey }: { appId: string; refreshKey: number }) {
  const { items, cursor, error, more } = usePages<Deployment>(
    `/api/v1/applications/${enc(appId)}/history?limit=20`,
    [appId, refreshKey],
    10_000,
  );
  return (
    <>
      <h2>Deployment history</h2>
      <ErrorBox error={error} />
      <div className="table-wrap">
        <table data-testid="history">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Revision</th>
              <th scope="col">Trigger</th>
              <th scope="col">Actor</th>
              <th scope="col">Clusters</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.id}>
                <td>{time(d.createdAt)}</td>
                <td>
                  <code title={d.revision}>{d.revisionDisplay}</code>
                </td>
                <td>{d.trigger}</td>
                <td>{d.actor ?? 'system'}</td>
                <td>{d.clusters}</td>
                <td>
                  <Badge value={d.outcome} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <LoadMore cursor={cursor} more={more} />
      {!cursor && items.length > 0 && <p className="muted small">End of history.</p>}
    </>
  );
}
