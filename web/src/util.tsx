import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, enc, type Page } from './api';

/** Loads data, optionally re-polling every `intervalMs` without clearing what is shown. */
export function useData<T>(
  load: () => Promise<T>,
  deps: unknown[],
  intervalMs = 0,
): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const d = await loadRef.current();
        if (live) {
          setData(d);
          setError(null);
        }
      } catch (e) {
        if (live) setError(errorText(e));
      }
      if (live && intervalMs > 0) timer = setTimeout(run, intervalMs);
    };
    void run();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [...deps, tick, intervalMs]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, reload };
}

/**
 * A list read in pages of `url` (which has a query already; the cursor is appended). The
 * first page is loaded again, replacing the list, when `deps` change and every `intervalMs`
 * if set; `more()` appends the next page. `cursor` is null once the last page is in.
 */
export function usePages<T>(
  url: string,
  deps: unknown[],
  intervalMs = 0,
): { items: T[]; cursor: string | null; error: string | null; more: () => void } {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async (from: string | null, replace: boolean) => {
    try {
      const p = await api<Page<T>>('GET', `${url}${from ? `&cursor=${enc(from)}` : ''}`);
      setItems((old) => (replace ? p.items : [...old, ...p.items]));
      setCursor(p.nextCursor);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => {
    void load(null, true);
    if (intervalMs <= 0) return;
    const t = setInterval(() => void load(null, true), intervalMs);
    return () => clearInterval(t);
  }, deps);
  return { items, cursor, error, more: () => void load(cursor, false) };
}

/** The "Load more" button under a paged list, while there is a next page. */
export function LoadMore({ cursor, more }: { cursor: string | null; more: () => void }) {
  if (!cursor) return null;
  return (
    <button type="button" className="secondary" onClick={more}>
      Load more
    </button>
  );
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (HTTP ${e.status})`;
  return e instanceof Error ? e.message : String(e);
}

export function time(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** `main@sha1:abc…` → `main@abc1234` for display; the full id stays in the title. */
export function shortRev(rev: string | null | undefined): string {
  if (!rev) return '—';
  const m = /^(.*)@sha1:([0-9a-f]{7})[0-9a-f]*$/.exec(rev);
  return m ? `${m[1]}@${m[2]}` : rev;
}

export function Rev({ rev }: { rev: string | null | undefined }) {
  return (
    <code className="rev" title={rev ?? undefined}>
      {shortRev(rev)}
    </code>
  );
}

/**
 * A repository branch that moved back (a force-push to an older or unrelated commit): said
 * wherever the operator looks, because automated sync holds back until someone decides.
 */
export function RewoundWarning({
  rewound,
}: {
  rewound: { from: string; to: string; at: string } | null | undefined;
}) {
  if (!rewound) return null;
  return (
    <p className="conflict" role="alert" data-testid="rewound">
      The branch moved back from <Rev rev={rewound.from} /> to <Rev rev={rewound.to} /> ({time(rewound.at)}).
      Automated sync stays at the newer revision; sync that revision explicitly or roll back to deploy it.
    </p>
  );
}

/** The colour class of a cell from sync and health. */
export function stateClass(sync: string | undefined, health: string | undefined): string {
  if (!sync) return 'none';
  if (sync === 'Failed' || health === 'Failed') return 'failed';
  if (sync === 'OutOfSync') return 'outofsync';
  if (sync === 'Progressing' || health === 'InProgress' || health === 'Terminating') return 'progressing';
  if (sync === 'Synced' && health === 'Current') return 'ok';
  return 'unknown';
}

export function Badge({ value, kind }: { value: string; kind?: string }) {
  return <span className={`badge b-${(kind ?? value).toLowerCase()}`}>{value}</span>;
}

export function ErrorBox({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      {error}
    </div>
  );
}
