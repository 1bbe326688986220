import { useState, type FormEvent } from 'react';
import { api, ApiError, enc, type Rollout, type RolloutCluster, type RolloutStage } from '../api';
import { Badge, ErrorBox, Rev, errorText, time, useData } from '../util';
import { StateIcon } from './icons';

const POLL_MS = 3_000;

/** Each cluster progress as the fleet grid draws a state: a symbol in a coloured swatch, and a word. */
const PROGRESS: Record<string, { icon: string; label: string }> = {
  healthy: { icon: 'ok', label: 'healthy' },
  syncing: { icon: 'progressing', label: 'syncing' },
  pending: { icon: 'none', label: 'pending' },
  failed: { icon: 'failed', label: 'failed' },
  unavailable: { icon: 'disconnected', label: 'unavailable' },
  'rolled-back': { icon: 'rolledback', label: 'rolled back' },
};

/** The badge class of a rollout, stage or batch state. */
function stateKind(state: string): string {
  if (state === 'completed' || state === 'done') return 'ok';
  if (state === 'paused' || state === 'aborted' || state === 'rolled-back') return 'failed';
  if (state === 'awaiting-approval') return 'pending';
  if (state === 'progressing') return 'progressing';
  return 'unknown';
}

type Command = 'promote' | 'pause' | 'resume' | 'abort' | 'retry';
const OPEN = ['progressing', 'awaiting-approval', 'paused'];

/** Why a command does not apply to the rollout now (the button's title), or null when it does. */
export function commandRefusal(command: Command, r: Rollout): string | null {
  if (!OPEN.includes(r.state)) return `the rollout is ${r.state}`;
  switch (command) {
    case 'pause':
      return r.state === 'paused' ? 'the rollout is paused already' : null;
    case 'resume':
      return r.state === 'paused' ? null : 'only a paused rollout resumes (promote passes an approval gate)';
    case 'retry':
      return r.counts.failed ? null : 'no cluster of the rollout has failed';
    case 'promote':
      return r.state === 'progressing' && !r.counts.failed
        ? 'nothing holds the rollout: no approval gate, no failures'
        : null;
    default:
      return null;
  }
}

const LABELS: Record<Command, string> = {
  promote: 'Promote',
  pause: 'Pause',
  resume: 'Resume',
  abort: 'Abort',
  retry: 'Retry',
};

function ClusterChip({ c }: { c: RolloutCluster }) {
  const p = PROGRESS[c.progress] ?? { icon: 'unknown', label: c.progress };
  return (
    <li data-cluster={c.name} data-progress={c.progress} title={c.message ?? p.label}>
      <span className={`swatch s-${p.icon}`} aria-hidden="true">
        <StateIcon state={p.icon} />
      </span>{' '}
      {c.name} <span className="small muted">{p.label}</span>
      {c.message && <div className="small muted message">{c.message}</div>}
    </li>
  );
}

function StageItem({ s, i, of }: { s: RolloutStage; i: number; of: number }) {
  const healthy = s.batches.reduce(
    (n, b) => n + b.clusters.filter((c) => c.progress === 'healthy').length,
    0,
  );
  const rules = [
    s.requireApproval ? (s.approved ? 'approved' : 'needs approval') : null,
    s.minHealthySeconds ? `bake ${s.minHealthySeconds} s` : null,
    `tolerates ${s.maxFailures} failure(s)`,
  ].filter(Boolean);
  return (
    <li className="rollout-stage" data-stage={s.name} data-state={s.state}>
      <h3>
        Stage {i + 1} of {of}: {s.name} <Badge value={s.state} kind={stateKind(s.state)} />{' '}
        <span className="small" data-testid="stage-healthy">
          {healthy}/{s.clusterCount} healthy
        </span>
      </h3>
      <p className="small muted">{rules.join(' · ')}</p>
      <ol className="rollout-batches">
        {s.batches.map((b) => (
          <li key={b.index} data-batch={b.index + 1} data-state={b.state}>
            <span className="small">
              Batch {b.index + 1} <Badge value={b.state} kind={stateKind(b.state)} />
            </span>
            <ul
              className="rollout-clusters"
              aria-label={`Clusters of batch ${b.index + 1} of stage ${s.name}`}
            >
              {b.clusters.map((c) => (
                <ClusterChip key={c.id} c={c} />
              ))}
            </ul>
          </li>
        ))}
      </ol>
    </li>
  );
}

/** The buttons, and the reason form one of them opens (a confirmation too, for abort). */
function RolloutActions({
  rollout,
  canWrite,
  run,
}: {
  rollout: Rollout;
  canWrite: boolean;
  run: (c: Command, reason: string) => Promise<void>;
}) {
  const [asking, setAsking] = useState<Command | null>(null);
  const [reason, setReason] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!asking) return;
    await run(asking, reason.trim());
    setAsking(null);
    setReason('');
  };
  return (
    <>
      <div className="actions" role="group" aria-label="Rollout actions">
        {(Object.keys(LABELS) as Command[]).map((c) => {
          const refusal = canWrite ? commandRefusal(c, rollout) : 'operators and admins only';
          return (
            <button
              key={c}
              type="button"
              className={c === 'abort' ? 'danger' : undefined}
              disabled={refusal !== null}
              title={refusal ?? undefined}
              aria-expanded={asking === c}
              onClick={() => setAsking(c)}
            >
              {LABELS[c]}
            </button>
          );
        })}
      </div>
      {asking && (
        <form className="rollout-confirm" onSubmit={submit} aria-label={`${LABELS[asking]} the rollout`}>
          {asking === 'abort' && (
            <p className="conflict">
              Abort ends the rollout where it stands: clusters already moved keep the new revision, the others
              keep theirs. Only a new commit, or retry, moves them again.
            </p>
          )}
          <label>
            Reason (recorded in the audit trail)
            <input
              name="rollout-reason"
              value={reason}
              maxLength={500}
              onChange={(e) => setReason(e.target.value)}
              autoFocus
            />
          </label>{' '}
          <button type="submit" className={asking === 'abort' ? 'danger' : undefined}>
            {asking === 'abort' ? 'Abort the rollout' : `${LABELS[asking]} now`}
          </button>{' '}
          <button type="button" className="secondary" onClick={() => setAsking(null)}>
            Cancel
          </button>
        </form>
      )}
    </>
  );
}

/** Where a history entry happened: `canary, batch 2`. */
function where(r: Rollout, stage?: number, batch?: number): string {
  if (stage === undefined) return '—';
  const name = r.stages?.[stage]?.name ?? String(stage + 1);
  return batch !== undefined && batch >= 0 ? `${name}, batch ${batch + 1}` : name;
}

/**
 * The application's latest staged rollout: its state and why it waits or paused, a timeline of
 * stages → batches → clusters with the fleet grid's symbols, who did what when, and the
 * operators' buttons (disabled, with the reason as title, where they do not apply).
 */
export function RolloutView({
  appId,
  hasStrategy,
  canWrite,
}: {
  appId: string;
  hasStrategy: boolean;
  canWrite: boolean;
}) {
  const { data, error, reload } = useData(
    () =>
      api<Rollout>('GET', `/api/v1/applications/${enc(appId)}/rollout`).catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }),
    [appId],
    POLL_MS,
  );
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const run = async (command: Command, reason: string) => {
    setNotice(null);
    setActionError(null);
    try {
      const r = await api<Rollout>('POST', `/api/v1/applications/${enc(appId)}/rollout/${command}`, {
        body: reason ? { reason } : {},
      });
      setNotice(`${LABELS[command]}: the rollout is ${r.state}`);
      reload();
    } catch (e) {
      setActionError(`${LABELS[command]} failed: ${errorText(e)}`);
    }
  };
  const r = data;
  return (
    <section aria-labelledby="rollout-title" data-testid="rollout">
      <h2 id="rollout-title">Rollout</h2>
      <ErrorBox error={error} />
      {!r && (
        <p className="muted">
          {hasStrategy
            ? 'No rollout yet: the next change starts one.'
            : 'No staged rollout strategy: changes reach every cluster at once.'}
        </p>
      )}
      {r && (
        <>
          <p className="meta">
            Revision <Rev rev={r.revisionDisplay} /> ·{' '}
            <span data-testid="rollout-state">
              <Badge value={r.state} kind={stateKind(r.state)} />
            </span>{' '}
            · started {time(r.createdAt)} by {r.startedBy}
            {r.endedAt && <> · ended {time(r.endedAt)}</>} · on failure {r.onFailure}
          </p>
          {r.reason && (
            <p
              className={r.state === 'progressing' || r.state === 'completed' ? 'meta' : 'conflict'}
              data-testid="rollout-reason"
            >
              {r.reason}
            </p>
          )}
          <RolloutActions rollout={r} canWrite={canWrite} run={run} />
          {notice && (
            <p className="notice" role="status" data-testid="rollout-notice">
              {notice}
            </p>
          )}
          <ErrorBox error={actionError} />
          <ol className="rollout-stages" aria-label="Stages of the rollout">
            {(r.stages ?? []).map((s, i, all) => (
              <StageItem key={s.name} s={s} i={i} of={all.length} />
            ))}
          </ol>
          {r.outside && r.outside.length > 0 && (
            <p className="small muted" data-testid="rollout-outside">
              Outside every stage (they keep what they run): {r.outside.map((c) => c.name).join(', ')}
            </p>
          )}
          <h3>Rollout history</h3>
          <div className="table-wrap">
            <table data-testid="rollout-history">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Where</th>
                  <th scope="col">Who</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {[...r.history].reverse().map((h, i) => (
                  <tr key={`${h.at} ${i}`} data-action={h.action}>
                    <td>{time(h.at)}</td>
                    <td>{h.action.replace(/^rollout\./, '')}</td>
                    <td>{where(r, h.stage, h.batch)}</td>
                    <td>{h.actor ?? 'system'}</td>
                    <td className="message">{h.reason ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
