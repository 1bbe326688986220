import { useEffect, useState } from 'react';
import { api, enc, type ApplicationDetail, type Commit, type Page } from '../api';

/** Sync, Rollback to a revision of the application's path, and Unpin (for operators). */
export function ApplicationActions({
  app,
  onSync,
  onRollback,
  onUnpin,
}: {
  app: ApplicationDetail;
  onSync: () => void;
  onRollback: (rev: string) => void;
  onUnpin: () => void;
}) {
  const [revisions, setRevisions] = useState<Commit[]>([]);
  const [rev, setRev] = useState('');
  useEffect(() => {
    api<Page<Commit>>(
      'GET',
      `/api/v1/repositories/${enc(app.repositoryId)}/revisions?path=${enc(app.path)}&limit=50`,
    )
      .then((p) => setRevisions(p.items))
      .catch(() => setRevisions([]));
  }, [app.repositoryId, app.path]);
  return (
    <div className="actions" role="group" aria-label="Application actions">
      <button type="button" onClick={onSync}>
        Sync
      </button>
      <label>
        Roll back to
        <select value={rev} onChange={(e) => setRev(e.target.value)} name="rollback-revision">
          <option value="">choose a revision…</option>
          {revisions.map((c) => (
            <option key={c.revision.id} value={c.revision.id}>
              {c.revision.display} — {c.message.split('\n')[0]} ({c.author})
            </option>
          ))}
        </select>
      </label>
      <button type="button" disabled={!rev} onClick={() => onRollback(rev)}>
        Rollback
      </button>
      {app.revision && (
        <button type="button" onClick={onUnpin}>
          Unpin
        </button>
      )}
    </div>
  );
}
