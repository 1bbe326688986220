import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, enc, type FleetGrid } from '../api';
import { withProject } from './ProjectFilter';
import { StateIcon } from './icons';
import { Link } from '../router';
import { Badge, ErrorBox, useData } from '../util';
import { SelectorSearch } from './SelectorSearch';

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

/** Rows fetched around the ones in view, so scrolling a little needs no new request. */
const WINDOW = 75;
/** Windows start on multiples of this, so each scroll step does not ask for a new one. */
const WINDOW_STEP = 25;
const VIEWPORT = 560;

/**
 * One refresh is one request: the application columns, the window of clusters around the rows
 * in view (the state filter applied by the hub) and the counts of the whole selection — the
 * same whatever the number of clusters or applications.
 */
function loadGrid(selector: string, state: StateFilter, offset: number, project: string): Promise<FleetGrid> {
  const q = new URLSearchParams({ state, offset: String(offset), limit: String(WINDOW) });
  if (selector) q.set('selector', selector);
  if (project) q.set('project', project);
  return api<FleetGrid>('GET', `/api/v1/fleet/grid?${q.toString()}`);
}

/** The full clusters × applications grid, with its counts and filters. */
export function FleetGridView({ project }: { project: string }) {
  const [selectorInput, setSelectorInput] = useState('');
  const [selector, setSelector] = useState('');
  const [state, setState] = useState<StateFilter>('all');
  const [scrollTop, setScrollTop] = useState(0);
  // another project is another grid: start it from the top
  useEffect(() => setScrollTop(0), [project]);
  const firstInView = Math.floor(scrollTop / ROW);
  const offset = Math.max(0, Math.floor((firstInView - 20) / WINDOW_STEP) * WINDOW_STEP);
  const { data, error } = useData(
    () => loadGrid(selector, state, offset, project),
    [selector, state, offset, project],
    POLL_MS,
  );
  const counts = data?.counts;

  const changeState = (next: StateFilter) => {
    setState(next);
    setScrollTop(0);
  };
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setSelector(selectorInput.trim());
    setScrollTop(0);
  };

  return (
    <>
      <dl className="counts" aria-label="Fleet counts">
        <div>
          <dt>Clusters</dt>
          <dd data-testid="count-clusters">{counts?.clusters ?? '…'}</dd>
        </div>
        <div>
          <dt>Connected</dt>
          <dd data-testid="count-connected">{counts?.connected ?? '…'}</dd>
        </div>
        <div>
          <dt>Disconnected</dt>
          <dd>{counts?.disconnected ?? '…'}</dd>
        </div>
        <div>
          <dt>Applications</dt>
          <dd data-testid="count-apps">{counts?.applications ?? '…'}</dd>
        </div>
        <div className="s-ok">
          <dt>Synced &amp; healthy</dt>
          <dd data-testid="count-ok">{counts?.cells.ok ?? '…'}</dd>
        </div>
        <div className="s-outofsync">
          <dt>Out of sync</dt>
          <dd data-testid="count-outofsync">{counts?.cells.outofsync ?? '…'}</dd>
        </div>
        <div className="s-progressing">
          <dt>Progressing</dt>
          <dd>{counts?.cells.progressing ?? '…'}</dd>
        </div>
        <div className="s-failed">
          <dt>Failed</dt>
          <dd data-testid="count-failed">{counts?.cells.failed ?? '…'}</dd>
        </div>
      </dl>
      <form className="filters" onSubmit={apply} role="search" aria-label="Filter clusters">
        <SelectorSearch value={selectorInput} onChange={setSelectorInput} />
        <label>
          State
          <select name="state" value={state} onChange={(e) => changeState(e.target.value as StateFilter)}>
            {STATES.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <span className="muted" aria-live="polite">
          {data && counts
            ? `${data.total} of ${counts.clusters} clusters shown · refreshes every 5 s`
            : 'Loading…'}
        </span>
      </form>
      <ErrorBox error={error} />
      <Legend />
      {data && <Grid grid={data} project={project} scrollTop={scrollTop} onScroll={setScrollTop} />}
    </>
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
          <span className={`swatch s-${k}`} aria-hidden="true">
            <StateIcon state={k} />
          </span>{' '}
          {l}
        </li>
      ))}
    </ul>
  );
}

/**
 * Clusters × applications; only the rows in view are in the DOM, and only the window around
 * them is fetched. Rows in view but outside the window fetched (a fast scroll) show as loading
 * until the next answer.
 */
function Grid({
  grid,
  project,
  scrollTop,
  onScroll,
}: {
  grid: FleetGrid;
  project: string;
  scrollTop: number;
  onScroll: (top: number) => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  // a new filter starts from the top: follow the position the page reset to
  useEffect(() => {
    if (ref.current && scrollTop === 0 && ref.current.scrollTop !== 0) ref.current.scrollTop = 0;
  }, [scrollTop]);
  const total = grid.total;
  const first = Math.max(0, Math.floor(scrollTop / ROW) - 8);
  const last = Math.min(total, Math.ceil((scrollTop + VIEWPORT) / ROW) + 8);
  const cols = grid.applications.length;
  const template = `minmax(300px, 360px) repeat(${cols}, 30px)`;
  const shown = [];
  for (let idx = first; idx < last; idx++) shown.push(idx);
  return (
    <div
      className="grid-scroll"
      ref={ref}
      // the header sizes itself to the names: cap the height, let fewer rows shrink it
      style={{ maxHeight: VIEWPORT + 130 }}
      onScroll={(e) => onScroll(e.currentTarget.scrollTop)}
      role="grid"
      aria-label="Clusters by applications"
      aria-rowcount={total + 1}
      aria-colcount={cols + 1}
      aria-busy={first < grid.offset || last > grid.offset + grid.rows.length}
      data-testid="fleet-grid"
    >
      <div className="grid-head" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template }}>
        <div role="columnheader" className="corner">
          Cluster
        </div>
        {grid.applications.map((a) => (
          <div role="columnheader" key={a.id} className="app-head">
            <Link href={withProject(`/applications/${enc(a.name)}`, project)} title={`${a.name} (${a.path})`}>
              {a.name}
            </Link>
          </div>
        ))}
      </div>
      <div style={{ height: total * ROW, position: 'relative' }}>
        {shown.map((idx) => {
          const style = { top: idx * ROW, height: ROW, gridTemplateColumns: template };
          const row = grid.rows[idx - grid.offset];
          if (!row)
            return (
              <div
                key={`loading-${idx}`}
                role="row"
                aria-rowindex={idx + 2}
                className="grid-row"
                style={style}
              >
                <div role="rowheader" className="cluster-cell muted">
                  Loading…
                </div>
              </div>
            );
          const cl = row.cluster;
          const cells = new Map(row.cells.map((c) => [c.applicationId, c]));
          return (
            <div
              key={cl.id}
              role="row"
              aria-rowindex={idx + 2}
              className="grid-row"
              data-cluster={cl.name}
              style={style}
            >
              <div role="rowheader" className="cluster-cell">
                <Link
                  href={withProject(`/audit?cluster=${enc(cl.id)}`, project)}
                  title={`History of ${cl.name}`}
                  className="cname"
                >
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
              {grid.applications.map((a) => {
                const s = cells.get(a.id);
                const text = s
                  ? `${a.name} on ${cl.name}: ${s.sync}, ${s.health}`
                  : `${a.name} does not target ${cl.name}`;
                return (
                  <div role="gridcell" key={a.id} className="cell-wrap">
                    {s ? (
                      <Link
                        href={withProject(`/applications/${enc(a.name)}?cluster=${enc(cl.id)}`, project)}
                        className={`cell s-${s.state}`}
                        data-app={a.name}
                        data-state={s.state}
                        aria-label={text}
                        title={text}
                      >
                        <StateIcon state={s.state} />
                      </Link>
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
