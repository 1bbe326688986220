import { useEffect, useRef, useState, type FormEvent } from 'react';
import {
  api,
  enc,
  type FleetProblemList,
  type FleetProblems,
  type ProblemGroup,
  type ProblemItem,
} from '../api';
import { Link, navigate, useLocation } from '../router';
import { Badge, ErrorBox, time, useData } from '../util';
import { ApplicationIcon, ClusterIcon, StateIcon } from './icons';
import { withProject } from './ProjectFilter';
import { SelectorSearch } from './SelectorSearch';

const POLL_MS = 5_000;
/** Problem kinds as the hub orders them (most urgent first) and as the page names them. */
const KINDS = [
  ['disconnected', 'Disconnected'],
  ['failed', 'Failed'],
  ['degraded', 'Degraded'],
  ['outofsync', 'Out of sync'],
] as const;
const KIND_TEXT: Record<string, string> = Object.fromEntries(KINDS);
/** How many affected rows one drill-down lists; the rest are counted and reachable in the grid. */
const LIST_LIMIT = 200;

/** The landing view's state, all in the URL so every group is a link (one click, shareable). */
interface View {
  selector: string;
  by: string;
  app: string | null;
  /** A label value to drill into; `without` drills into the clusters lacking the label. */
  value: string | null;
  without: boolean;
}

function viewOf(query: URLSearchParams): View {
  return {
    selector: query.get('selector') ?? '',
    by: query.get('by') ?? '',
    app: query.get('app'),
    value: query.get('value'),
    without: query.get('without') === '1',
  };
}

function hrefOf(v: Partial<View>, project: string): string {
  const q = new URLSearchParams();
  if (v.selector) q.set('selector', v.selector);
  if (v.by) q.set('by', v.by);
  if (v.app) q.set('app', v.app);
  if (v.value !== null && v.value !== undefined) q.set('value', v.value);
  if (v.without) q.set('without', '1');
  return withProject(`/${q.size ? `?${q}` : ''}`, project);
}

/** The drill-down's selector: the page's own and the group's label requirement. */
function groupSelector(v: View, label: string | null): string {
  const parts = v.selector ? [v.selector] : [];
  if (label && v.without) parts.push(`!${label}`);
  else if (label && v.value !== null) parts.push(`${label}=${v.value}`);
  return parts.join(',');
}

/**
 * Problems first: what needs attention across the fleet, counted by application and by a
 * cluster label, each group one click from its affected clusters and their messages. One
 * request per refresh for the counts and one for an open group, whatever the fleet's size.
 */
export function ProblemsView({ project }: { project: string }) {
  const { query } = useLocation();
  const v = viewOf(query);
  const [selectorInput, setSelectorInput] = useState(v.selector);
  useEffect(() => setSelectorInput(v.selector), [v.selector]);
  const summary = useData(
    () => {
      const q = new URLSearchParams();
      if (v.selector) q.set('selector', v.selector);
      if (v.by) q.set('label', v.by);
      if (project) q.set('project', project);
      return api<FleetProblems>('GET', `/api/v1/fleet/problems${q.size ? `?${q}` : ''}`);
    },
    [v.selector, v.by, project],
    POLL_MS,
  );
  const s = summary.data;
  const label = s?.label ?? null;
  const apply = (e: FormEvent) => {
    e.preventDefault();
    navigate(hrefOf({ selector: selectorInput.trim(), by: v.by }, project));
  };
  const open = v.app !== null || v.value !== null || v.without;

  return (
    <>
      <form className="filters" onSubmit={apply} role="search" aria-label="Filter clusters">
        <SelectorSearch value={selectorInput} onChange={setSelectorInput} />
        <label>
          Group clusters by
          <select
            name="by"
            value={label ?? ''}
            onChange={(e) => navigate(hrefOf({ selector: v.selector, by: e.target.value }, project))}
          >
            {!label && <option value="">(no labels)</option>}
            {s?.labelKeys.map((k) => (
              <option key={k.key} value={k.key}>
                {k.key} ({k.clusters} clusters)
              </option>
            ))}
          </select>
        </label>
        <span className="muted" aria-live="polite">
          {s ? 'refreshes every 5 s' : 'Loading…'}
        </span>
      </form>
      <ErrorBox error={summary.error} />
      {s && <Totals s={s} />}
      {s && open && <Affected v={v} label={label} project={project} />}
      {s && s.affected > 0 && (
        <div className="problem-groups">
          <Groups
            title="By application"
            testId="by-application"
            column="Application"
            groups={s.applications}
            hrefOf={(g) => hrefOf({ selector: v.selector, by: v.by, app: g.name }, project)}
            current={(g) => v.app === g.name}
          />
          <Groups
            title={label ? `By ${label}` : 'By label'}
            testId="by-label"
            column={label ?? 'Label'}
            groups={s.labels}
            hrefOf={(g) =>
              hrefOf(
                g.name === null
                  ? { selector: v.selector, by: v.by, without: true }
                  : { selector: v.selector, by: v.by, value: g.name },
                project,
              )
            }
            current={(g) => (g.name === null ? v.without : v.value === g.name)}
          />
          {/* Paused and failed rollouts take their place here once the hub has rollouts. */}
        </div>
      )}
    </>
  );
}

function Totals({ s }: { s: FleetProblems }) {
  return (
    <>
      <dl className="counts" aria-label="What needs attention">
        <div className={s.affected ? 's-failed' : 's-ok'}>
          <dt>Clusters needing attention</dt>
          <dd data-testid="count-affected">{s.affected}</dd>
        </div>
        <div>
          <dt>Clusters</dt>
          <dd data-testid="count-clusters">{s.clusters}</dd>
        </div>
        {KINDS.map(([k, text]) => (
          <div key={k} className={`p-${k}`}>
            <dt>
              <StateIcon state={k} /> {text}
            </dt>
            <dd data-testid={`count-${k}`}>{s.counts[k as keyof FleetProblems['counts']]}</dd>
          </div>
        ))}
      </dl>
      {s.affected === 0 && (
        <p className="notice" data-testid="all-clear">
          <StateIcon state="ok" /> Nothing needs attention: no cluster is disconnected, failed, degraded or
          out of sync.
        </p>
      )}
    </>
  );
}

function Groups({
  title,
  testId,
  column,
  groups,
  hrefOf,
  current,
}: {
  title: string;
  testId: string;
  column: string;
  groups: ProblemGroup[];
  hrefOf: (g: ProblemGroup) => string;
  current: (g: ProblemGroup) => boolean;
}) {
  const id = `${testId}-title`;
  return (
    <section aria-labelledby={id} className="problem-group">
      <h2 id={id}>{title}</h2>
      {groups.length === 0 && (
        <p className="muted" data-testid={`${testId}-none`}>
          None: the clusters needing attention are targeted by no application.
        </p>
      )}
      <div className="table-wrap" hidden={groups.length === 0}>
        <table data-testid={testId}>
          <thead>
            <tr>
              <th scope="col">{column}</th>
              <th scope="col">Clusters</th>
              {KINDS.map(([k, text]) => (
                <th scope="col" key={k}>
                  {text}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => (
              <tr
                key={g.name ?? ''}
                data-group={g.name ?? ''}
                className={current(g) ? 'selected' : undefined}
              >
                <th scope="row">
                  <Link href={hrefOf(g)} aria-current={current(g) ? 'true' : undefined}>
                    {g.name ?? `(no ${column})`}
                  </Link>
                </th>
                <td className="num">{g.clusters}</td>
                {KINDS.map(([k]) => {
                  const n = g.counts[k as keyof ProblemGroup['counts']];
                  return (
                    <td key={k} className={`num${n ? ` p-${k}` : ' muted'}`} data-kind={k}>
                      {n ? (
                        <>
                          <StateIcon state={k} /> {n}
                        </>
                      ) : (
                        '0'
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** One group's affected clusters, most urgent first, with the message of each. */
function Affected({ v, label, project }: { v: View; label: string | null; project: string }) {
  const selector = groupSelector(v, label);
  const list = useData(
    () => {
      const q = new URLSearchParams({ limit: String(LIST_LIMIT) });
      if (v.app) q.set('application', v.app);
      if (selector) q.set('selector', selector);
      if (project) q.set('project', project);
      return api<FleetProblemList>('GET', `/api/v1/fleet/problems/clusters?${q}`);
    },
    [v.app, selector, project],
    POLL_MS,
  );
  const heading = useRef<HTMLHeadingElement>(null);
  // keyboard and screen reader users land on the list they asked for
  useEffect(() => heading.current?.focus(), [v.app, v.value, v.without]);
  const what = v.app
    ? `application ${v.app}`
    : v.without
      ? `clusters without ${label ?? 'the label'}`
      : `${label}=${v.value}`;
  const d = list.data;
  return (
    <section aria-labelledby="affected-title" className="affected" data-testid="affected">
      <h2 id="affected-title" ref={heading} tabIndex={-1}>
        Needing attention: {what}
      </h2>
      <p className="muted small">
        {d
          ? d.total > d.items.length
            ? `${d.items.length} of ${d.total} shown`
            : `${d.total} in all`
          : 'Loading…'}{' '}
        · <Link href={hrefOf({ selector: v.selector, by: v.by }, project)}>Close</Link>
      </p>
      <ErrorBox error={list.error} />
      {d && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Cluster</th>
                <th scope="col">Application</th>
                <th scope="col">Problem</th>
                <th scope="col">Sync</th>
                <th scope="col">Health</th>
                <th scope="col">Message</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {d.items.map((i) => (
                <AffectedRow key={`${i.clusterId}/${i.applicationId ?? ''}`} i={i} project={project} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function AffectedRow({ i, project }: { i: ProblemItem; project: string }) {
  return (
    <tr data-cluster={i.clusterName} data-kind={i.kind}>
      <th scope="row">
        <Link
          href={withProject(
            i.applicationName
              ? `/applications/${enc(i.applicationName)}?cluster=${enc(i.clusterId)}`
              : `/audit?cluster=${enc(i.clusterId)}`,
            project,
          )}
        >
          <ClusterIcon /> {i.clusterName}
        </Link>
      </th>
      <td>
        {i.applicationName ? (
          <Link href={withProject(`/applications/${enc(i.applicationName)}`, project)}>
            <ApplicationIcon /> {i.applicationName}
          </Link>
        ) : (
          <span className="muted">none targets it</span>
        )}
      </td>
      <td className={`p-${i.kind}`}>
        <StateIcon state={i.kind} /> {KIND_TEXT[i.kind] ?? i.kind}
      </td>
      <td>{i.sync ? <Badge value={i.sync} /> : <Badge value={i.connectionState} />}</td>
      <td>{i.health ? <Badge value={i.health} /> : '—'}</td>
      <td className="message">
        {i.message ?? (i.kind === 'disconnected' ? 'the agent is disconnected' : '')}
      </td>
      <td className="small">{i.updatedAt ? time(i.updatedAt) : '—'}</td>
    </tr>
  );
}
