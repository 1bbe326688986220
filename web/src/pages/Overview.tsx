import { useMemo, useRef, useState, type FormEvent } from 'react';
import { all, enc, type Application, type Cluster, type FleetStatus } from '../api';
import { Link } from '../router';
import { Badge, ErrorBox, stateClass, useData } from '../util';

const POLL_MS = 5_000;
const ROW = 34;
const STATES = [
  ['all', 'All clusters'],
  ['problem', 'Any problem'],
  ['failed', 'Failed'],
  ['outofsync', 'Out of sync'],
  ['progressing', 'Progressing'],
  ['ok', 'Synced and healthy'],
  ['disconnected', 'Disconnected'],
] as const;
type StateFilter = (typeof STATES)[number][0];

interface Fleet {
  clusters: Cluster[];
  apps: Application[];
  /** clusterId → appId → status */
  cells: Map<string, Map<string, FleetStatus>>;
}

/** Cells per request: the read model's largest page, so the whole grid takes a few requests. */
const STATUS_PAGE = 5000;

/**
 * One refresh: the clusters, the applications and every cell from the fleet status read model
 * — a number of requests that no longer grows with the applications (it was one per application).
 */
async function loadFleet(selector: string): Promise<Fleet> {
  const q = selector ? `?selector=${enc(selector)}` : '';
  const [clusters, apps, status] = await Promise.all([
    all<Cluster>(`/api/v1/clusters${q}`),
    all<Application>('/api/v1/applications'),
    all<FleetStatus>(`/api/v1/fleet/status${q}`, STATUS_PAGE),
  ]);
  const cells = new Map<string, Map<string, FleetStatus>>();
  for (const s of status) {
    let row = cells.get(s.clusterId);
    if (!row) cells.set(s.clusterId, (row = new Map()));
    row.set(s.applicationId, s);
  }
  return { clusters, apps, cells };
}

export function Overview() {
  const [selectorInput, setSelectorInput] = useState('');
  const [selector, setSelector] = useState('');
  const [state, setState] = useState<StateFilter>('all');
  const { data, error } = useData(() => loadFleet(selector), [selector], POLL_MS);

  const counts = useMemo(() => {
    const c = {
      clusters: 0,
      connected: 0,
      disconnected: 0,
      pending: 0,
      apps: 0,
      ok: 0,
      outofsync: 0,
      failed: 0,
      progressing: 0,
      unknown: 0,
    };
    if (!data) return c;
    c.clusters = data.clusters.length;
    c.apps = data.apps.length;
    for (const cl of data.clusters) {
      if (cl.connectionState === 'Connected') c.connected++;
      else if (cl.connectionState === 'Disconnected') c.disconnected++;
      else c.pending++;
      for (const s of data.cells.get(cl.id)?.values() ?? []) {
        const k = stateClass(s.sync, s.health) as keyof typeof c;
        if (k in c) c[k]++;
      }
    }
    return c;
  }, [data]);

  const rows = useMemo(() => {
    if (!data) return [];
    return data.clusters.filter((cl) => {
      if (state === 'all') return true;
      if (state === 'disconnected') return cl.connectionState === 'Disconnected';
      const classes = [...(data.cells.get(cl.id)?.values() ?? [])].map((s) => stateClass(s.sync, s.health));
      if (state === 'problem')
        return classes.some((k) => k !== 'ok') || cl.connectionState === 'Disconnected';
      return classes.includes(state);
    });
  }, [data, state]);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setSelector(selectorInput.trim());
  };

  return (
    <section aria-labelledby="fleet-title">
      <h1 id="fleet-title">Fleet</h1>
      <dl className="counts" aria-label="Fleet counts">
        <div>
          <dt>Clusters</dt>
          <dd data-testid="count-clusters">{counts.clusters}</dd>
        </div>
        <div>
          <dt>Connected</dt>
          <dd data-testid="count-connected">{counts.connected}</dd>
        </div>
        <div>
          <dt>Disconnected</dt>
          <dd>{counts.disconnected}</dd>
        </div>
        <div>
          <dt>Applications</dt>
          <dd data-testid="count-apps">{counts.apps}</dd>
        </div>
        <div className="s-ok">
          <dt>Synced &amp; healthy</dt>
          <dd data-testid="count-ok">{counts.ok}</dd>
        </div>
        <div className="s-outofsync">
          <dt>Out of sync</dt>
          <dd data-testid="count-outofsync">{counts.outofsync}</dd>
        </div>
        <div className="s-progressing">
          <dt>Progressing</dt>
          <dd>{counts.progressing}</dd>
        </div>
        <div className="s-failed">
          <dt>Failed</dt>
          <dd data-testid="count-failed">{counts.failed}</dd>
        </div>
      </dl>
      <form className="filters" onSubmit={apply} role="search" aria-label="Filter clusters">
        <label>
          Label selector
          <input
            name="selector"
            placeholder="env=prod,region in (eu,us)"
            value={selectorInput}
            onChange={(e) => setSelectorInput(e.target.value)}
          />
        </label>
        <button type="submit">Apply</button>
        <label>
          State
          <select name="state" value={state} onChange={(e) => setState(e.target.value as StateFilter)}>
            {STATES.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <span className="muted" aria-live="polite">
          {data
            ? `${rows.length} of ${data.clusters.length} clusters shown · refreshes every 5 s`
            : 'Loading…'}
        </span>
      </form>
      <ErrorBox error={error} />
      <Legend />
      {data && <Grid fleet={data} rows={rows} />}
    </section>
  );
}

function Legend() {
  const items = [
    ['ok', 'Synced, healthy'],
    ['outofsync', 'Out of sync'],
    ['progressing', 'Progressing'],
    ['failed', 'Failed'],
    ['unknown', 'Unknown'],
    ['none', 'Not targeted'],
  ];
  return (
    <ul className="legend" aria-label="Legend">
      {items.map(([k, l]) => (
        <li key={k}>
          <span className={`swatch s-${k}`} aria-hidden="true" /> {l}
        </li>
      ))}
    </ul>
  );
}

/** Clusters × applications; only the rows in view are in the DOM. */
function Grid({ fleet, rows }: { fleet: Fleet; rows: Cluster[] }) {
  const [scrollTop, setScrollTop] = useState(0);
  const ref = useRef<HTMLDivElement>(null);
  const viewport = 560;
  const first = Math.max(0, Math.floor(scrollTop / ROW) - 8);
  const last = Math.min(rows.length, Math.ceil((scrollTop + viewport) / ROW) + 8);
  const cols = fleet.apps.length;
  const template = `minmax(300px, 360px) repeat(${cols}, 30px)`;
  return (
    <div
      className="grid-scroll"
      ref={ref}
      style={{ height: Math.min(viewport + 130, rows.length * ROW + 140) }}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      role="grid"
      aria-label="Clusters by applications"
      aria-rowcount={rows.length + 1}
      aria-colcount={cols + 1}
      data-testid="fleet-grid"
    >
      <div className="grid-head" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template }}>
        <div role="columnheader" className="corner">
          Cluster
        </div>
        {fleet.apps.map((a) => (
          <div role="columnheader" key={a.id} className="app-head">
            <Link href={`/applications/${enc(a.name)}`} title={`${a.name} (${a.path})`}>
              {a.name}
            </Link>
          </div>
        ))}
      </div>
      <div style={{ height: rows.length * ROW, position: 'relative' }}>
        {rows.slice(first, last).map((cl, i) => {
          const idx = first + i;
          const row = fleet.cells.get(cl.id);
          return (
            <div
              key={cl.id}
              role="row"
              aria-rowindex={idx + 2}
              className="grid-row"
              data-cluster={cl.name}
              style={{ top: idx * ROW, height: ROW, gridTemplateColumns: template }}
            >
              <div role="rowheader" className="cluster-cell">
                <Link href={`/audit?cluster=${enc(cl.id)}`} title={`History of ${cl.name}`} className="cname">
                  {cl.name}
                </Link>
                <Badge value={cl.connectionState} />
                <span className="muted small" title="agent / Kubernetes version">
                  {cl.agentVersion ?? '—'} · {cl.kubernetesVersion ?? '—'}
                </span>
                <span className="labels">
                  {Object.entries(cl.labels).map(([k, v]) => (
                    <span key={k} className="label">
                      {k}={v}
                    </span>
                  ))}
                </span>
              </div>
              {fleet.apps.map((a) => {
                const s = row?.get(a.id);
                const k = stateClass(s?.sync, s?.health);
                const text = s
                  ? `${a.name} on ${cl.name}: ${s.sync}, ${s.health}`
                  : `${a.name} does not target ${cl.name}`;
                return (
                  <div role="gridcell" key={a.id} className="cell-wrap">
                    {s ? (
                      <Link
                        href={`/applications/${enc(a.name)}?cluster=${enc(cl.id)}`}
                        className={`cell s-${k}`}
                        data-app={a.name}
                        data-state={k}
                        aria-label={text}
                        title={text}
                      />
                    ) : (
                      <span className="cell s-none" data-app={a.name} data-state="none" title={text} />
                    )}
                  </div>
                );
              })}
            </div>
          );
        })}
      </div>
    </div>
  );
}
