import { useState, type FormEvent } from 'react';
import { all, api, enc, type Application, type Commit, type Preview, type PreviewSummary } from '../api';
import { Link, navigate } from '../router';
import { Badge, ErrorBox, Rev, errorText, time, useData } from '../util';

/** Asks the hub for a preview of an application (its own branch when both fields are empty). */
export async function requestPreview(
  app: string,
  ref: { branch?: string; revision?: string },
): Promise<Preview> {
  return api<Preview>('POST', `/api/v1/applications/${enc(app)}/previews`, { body: ref });
}

/**
 * The application page's previews: operators ask for one (a branch or a revision, at most one)
 * and land on its page; everyone sees the recent ones.
 */
export function PreviewRequest({ appId, canWrite }: { appId: string; canWrite: boolean }) {
  const { data, error } = useData(
    () => api<{ items: PreviewSummary[] }>('GET', `/api/v1/applications/${enc(appId)}/previews`),
    [appId],
    10_000,
  );
  const [branch, setBranch] = useState('');
  const [revision, setRevision] = useState('');
  const [busy, setBusy] = useState(false);
  const [askError, setAskError] = useState<string | null>(null);
  const both = !!branch.trim() && !!revision.trim();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setAskError(null);
    try {
      const ref = branch.trim()
        ? { branch: branch.trim() }
        : revision.trim()
          ? { revision: revision.trim() }
          : {};
      const p = await requestPreview(appId, ref);
      navigate(`/previews/${enc(p.id)}`);
    } catch (err) {
      setAskError(`Preview failed: ${errorText(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="previews-title" data-testid="previews">
      <h2 id="previews-title">Previews</h2>
      {canWrite && (
        <form className="filters" onSubmit={submit} aria-label="Preview changes">
          <label>
            Branch
            <input name="preview-branch" value={branch} onChange={(e) => setBranch(e.target.value)} />
          </label>
          <label>
            or revision
            <input name="preview-revision" value={revision} onChange={(e) => setRevision(e.target.value)} />
          </label>
          <button
            type="submit"
            disabled={busy || both}
            title={both ? 'give a branch or a revision, not both' : undefined}
          >
            Preview changes
          </button>
          <span className="small muted">
            Both empty: the application&apos;s own branch. Nothing is written.
          </span>
        </form>
      )}
      <ErrorBox error={askError} />
      <ErrorBox error={error} />
      {data && data.items.length === 0 && <p className="muted">No recent previews.</p>}
      {data && data.items.length > 0 && (
        <div className="table-wrap">
          <table data-testid="recent-previews">
            <thead>
              <tr>
                <th scope="col">Asked</th>
                <th scope="col">Revision</th>
                <th scope="col">State</th>
                <th scope="col">Summary</th>
                <th scope="col">By</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((p) => (
                <tr key={p.id} data-preview={p.id}>
                  <td>
                    <Link href={`/previews/${enc(p.id)}`}>{time(p.createdAt)}</Link>
                  </td>
                  <td>
                    <Rev rev={p.revisionDisplay ?? p.ref.branch ?? p.ref.revision} />
                  </td>
                  <td>
                    <Badge
                      value={p.state}
                      kind={p.state === 'running' ? 'progressing' : p.state === 'complete' ? 'ok' : 'unknown'}
                    />
                  </td>
                  <td className="message">{p.summary.text}</td>
                  <td>{p.requestedBy}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/**
 * Asks for a preview of one commit: the operator picks which application of the repository to
 * preview it for, then lands on the preview's page.
 */
export function PreviewCommit({
  commit,
  repositoryUuid,
  onCancel,
}: {
  commit: Commit;
  repositoryUuid: string;
  onCancel: () => void;
}) {
  const { data: apps, error } = useData(
    () =>
      all<Application>('/api/v1/applications').then((l) =>
        l.filter((a) => a.repositoryId === repositoryUuid),
      ),
    [repositoryUuid],
  );
  const [app, setApp] = useState('');
  const [busy, setBusy] = useState(false);
  const [askError, setAskError] = useState<string | null>(null);
  const chosen = app || apps?.[0]?.id || '';
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setAskError(null);
    try {
      const p = await requestPreview(chosen, { revision: commit.revision.id });
      navigate(`/previews/${enc(p.id)}`);
    } catch (err) {
      setAskError(`Preview failed: ${errorText(err)}`);
      setBusy(false);
    }
  };
  return (
    <form
      className="filters"
      onSubmit={submit}
      aria-label={`Preview ${commit.revision.display}`}
      data-testid="preview-commit"
    >
      <ErrorBox error={error} />
      {apps && apps.length === 0 ? (
        <p className="muted">No application deploys from this repository.</p>
      ) : (
        <label>
          Preview <code>{commit.revision.display}</code> for application
          <select name="preview-application" value={chosen} onChange={(e) => setApp(e.target.value)}>
            {apps?.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.path})
              </option>
            ))}
          </select>
        </label>
      )}
      <button type="submit" disabled={busy || !chosen}>
        Preview this revision
      </button>
      <button type="button" className="secondary" onClick={onCancel}>
        Cancel
      </button>
      <ErrorBox error={askError} />
    </form>
  );
}
