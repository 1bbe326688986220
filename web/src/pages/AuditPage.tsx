import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import {
  all,
  api,
  enc,
  type Application,
  type AuditEvent,
  type ChainVerdict,
  type Cluster,
  type Page,
  type Repository,
} from '../api';
import { useRole } from '../App';
import { ApplicationIcon, ClusterIcon } from '../components/icons';
import { auditSentence, sentenceText, type SentenceLookup, type SentencePart } from '../lib/audit-sentence';
import { Link, navigate, useLocation } from '../router';
import { ErrorBox, errorText, time, useData } from '../util';

const FIELDS = [
  'cluster',
  'application',
  'repository',
  'resource',
  'actor',
  'action',
  'since',
  'until',
  'project',
] as const;
type Filters = Partial<Record<(typeof FIELDS)[number], string>>;

/** datetime-local value (local time) ⇄ ISO 8601 in the URL and the API. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : '');
const toLocal = (iso: string | undefined) => {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

export function AuditPage() {
  const { query } = useLocation();
  const filters: Filters = {};
  for (const f of FIELDS) {
    const v = query.get(f);
    if (v) filters[f] = v;
  }
  const key = FIELDS.map((f) => filters[f] ?? '').join('|');
  const project = filters.project ?? '';
  const names = useData(async () => {
    const [clusters, apps, repos] = await Promise.all([
      all<Cluster>('/api/v1/clusters'),
      all<Application>(`/api/v1/applications${project ? `?project=${enc(project)}` : ''}`),
      all<Repository>('/api/v1/repositories'),
    ]);
    return { clusters, apps, repos };
  }, [project]);
  // Verification scans the whole trail, so the API keeps it for admins.
  const isAdmin = useRole() === 'admin';
  const verdict = useData(
    () => (isAdmin ? api<ChainVerdict>('GET', '/api/v1/audit/verify') : Promise.resolve(null)),
    [isAdmin],
  );
  const lookup = useMemo<SentenceLookup>(() => {
    const byId = new Map<string, string>();
    const repoOf = new Map<string, string>();
    names.data?.clusters.forEach((c) => byId.set(c.id, c.name));
    names.data?.apps.forEach((a) => {
      byId.set(a.id, a.name);
      repoOf.set(a.id, a.repositoryId);
    });
    const branches = new Map<string, string>();
    names.data?.repos.forEach((r) => {
      byId.set(r.id, r.name);
      if (r.branch) branches.set(r.id, r.branch);
    });
    return {
      name: (id) => byId.get(id) ?? null,
      repositoryOf: (id) => repoOf.get(id) ?? null,
      branchOf: (id) => branches.get(id) ?? null,
    };
  }, [names.data]);

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const fd = new FormData(e.currentTarget);
    const q = new URLSearchParams();
    for (const f of FIELDS) {
      let v = String(fd.get(f) ?? '').trim();
      if ((f === 'since' || f === 'until') && v) v = toIso(v);
      if (v) q.set(f, v);
    }
    navigate(`/audit${q.size ? `?${q}` : ''}`);
  };

  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit trail</h1>
      <p
        data-testid="verify"
        className={verdict.data ? (verdict.data.ok ? 'notice' : 'error') : 'muted'}
        role="status"
      >
        {!isAdmin
          ? 'Verifying the chain takes an admin token (or `flotilla audit verify`).'
          : verdict.error
            ? `Chain verification failed to run: ${verdict.error}`
            : verdict.data
              ? verdict.data.ok
                ? `Hash chain verified: ${verdict.data.checked} events intact, keyed from event ${verdict.data.keyedFrom ?? '–'}, ${verdict.data.checkpointsChecked} signed checkpoint(s) match.`
                : `Hash chain BROKEN at event ${verdict.data.brokenAt}: ${verdict.data.reason ?? ''} (${verdict.data.checked} checked)`
              : 'Verifying the hash chain…'}
      </p>
      <form
        key={`form:${key}`}
        className="filters audit-filters"
        onSubmit={submit}
        role="search"
        aria-label="Filter events"
      >
        <label>
          Cluster
          <select name="cluster" defaultValue={filters.cluster ?? ''}>
            <option value="">any</option>
            {names.data?.clusters.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Application
          <select name="application" defaultValue={filters.application ?? ''}>
            <option value="">any</option>
            {names.data?.apps.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Repository
          <select name="repository" defaultValue={filters.repository ?? ''}>
            <option value="">any</option>
            {names.data?.repos.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Resource
          <input
            name="resource"
            defaultValue={filters.resource ?? ''}
            placeholder="apps/Deployment/web/api"
          />
        </label>
        <label>
          Actor
          <input name="actor" defaultValue={filters.actor ?? ''} placeholder="admin, agent:prod-eu" />
        </label>
        <label>
          Action
          <input
            name="action"
            defaultValue={filters.action ?? ''}
            placeholder="job.* or repository.committed"
          />
        </label>
        <label>
          Since
          <input type="datetime-local" name="since" defaultValue={toLocal(filters.since)} />
        </label>
        <label>
          Until
          <input type="datetime-local" name="until" defaultValue={toLocal(filters.until)} />
        </label>
        {/* the header's project filter: kept by Filter and Clear alike */}
        <input type="hidden" name="project" value={project} />
        <div className="actions">
          <button type="submit">Filter</button>
          <button
            type="button"
            className="secondary"
            onClick={() => navigate(project ? `/audit?project=${enc(project)}` : '/audit')}
          >
            Clear
          </button>
        </div>
      </form>
      <Timeline key={`timeline:${key}`} filters={filters} lookup={lookup} />
    </section>
  );
}

function Timeline({ filters, lookup }: { filters: Filters; lookup: SentenceLookup }) {
  const [items, setItems] = useState<AuditEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const loading = useRef(false);
  const sentinel = useRef<HTMLDivElement>(null);

  const loadMore = async () => {
    if (loading.current || done) return;
    loading.current = true;
    try {
      const q = new URLSearchParams({ limit: '50' });
      for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
      if (cursor) q.set('cursor', cursor);
      const p = await api<Page<AuditEvent>>('GET', `/api/v1/audit?${q}`);
      setItems((old) => [...old, ...p.items]);
      setCursor(p.nextCursor);
      setDone(!p.nextCursor);
      setError(null);
    } catch (e) {
      setError(errorText(e));
      setDone(true);
    } finally {
      loading.current = false;
    }
  };

  // Keyset infinite scroll: whenever the sentinel below the list is visible, fetch the next page.
  useEffect(() => {
    const el = sentinel.current;
    if (!el || done) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void loadMore();
    });
    io.observe(el);
    return () => io.disconnect();
  });

  return (
    <>
      <ErrorBox error={error} />
      <p className="muted small" aria-live="polite" data-testid="audit-count">
        {items.length} event{items.length === 1 ? '' : 's'} loaded{done ? ' (all)' : ''}
      </p>
      <ol className="timeline" data-testid="timeline">
        {items.map((e) => (
          <Entry key={e.seq} e={e} lookup={lookup} />
        ))}
      </ol>
      {!done && (
        <div ref={sentinel} className="sentinel">
          <button type="button" className="secondary" onClick={() => void loadMore()}>
            Load more
          </button>
        </div>
      )}
      {done && items.length === 0 && !error && <p className="muted">No events match.</p>}
    </>
  );
}

/** The icon beside a named cluster or application in a sentence. */
function PartIcon({ kind }: { kind: Exclude<SentencePart, string>['kind'] }) {
  if (kind === 'cluster') return <ClusterIcon />;
  if (kind === 'application') return <ApplicationIcon />;
  return null;
}

/**
 * One event: its sentence first, every cluster, application, repository, revision and object it
 * names a link; the action, sequence, hash, actor and raw details one click away.
 */
function Entry({ e, lookup }: { e: AuditEvent; lookup: SentenceLookup }) {
  const parts = auditSentence(e, lookup);
  return (
    <li data-action={e.action} data-seq={e.seq}>
      <p className="sentence">
        <time dateTime={e.occurredAt}>{time(e.occurredAt)}</time>{' '}
        <span data-testid="sentence" title={sentenceText(parts)}>
          {parts.map((p, i) =>
            typeof p === 'string' ? (
              p
            ) : (
              <Link key={i} href={p.href} className={`ref ref-${p.kind}`}>
                <PartIcon kind={p.kind} />
                {p.kind === 'revision' || p.kind === 'resource' ? <code>{p.text}</code> : p.text}
              </Link>
            ),
          )}
        </span>
      </p>
      <details>
        <summary>
          Details: <code className="action">{e.action}</code> · event {e.seq}
        </summary>
        <dl className="details">
          <dt>Sequence</dt>
          <dd>{e.seq}</dd>
          <dt>Action</dt>
          <dd>
            <code>{e.action}</code>
          </dd>
          <dt>Actor</dt>
          <dd>
            {e.actor.type} {e.actor.name} {e.actor.id && <code>{e.actor.id}</code>}
          </dd>
          {e.revision && (
            <>
              <dt>Revision</dt>
              <dd>
                <code>{e.revision}</code>
              </dd>
            </>
          )}
          <dt>Hash</dt>
          <dd>
            <code className="small">{e.hash}</code>
          </dd>
          <dt>Previous hash</dt>
          <dd>
            <code className="small">{e.prevHash}</code>
          </dd>
        </dl>
        <pre className="json">{JSON.stringify(e.details, null, 2)}</pre>
      </details>
    </li>
  );
}
