import { useEffect, useState, type FormEvent } from 'react';
import { useCanWrite } from '../App';
import { all, api, ApiError, enc, encPath, type Commit, type Repository, type Tree } from '../api';
import { PreviewCommit } from '../components/PreviewRequest';
import { Code } from '../highlight';
import { Link, useLocation } from '../router';
import { ErrorBox, errorText, LoadMore, RewoundWarning, time, useData, usePages } from '../util';
import { FileIcon, FolderIcon } from '../components/icons';

export function RepositoriesPage() {
  const { data, error } = useData(() => all<Repository>('/api/v1/repositories'), []);
  return (
    <section aria-labelledby="repos-title">
      <h1 id="repos-title">Repositories</h1>
      <ErrorBox error={error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">URL</th>
              <th scope="col">Last revision</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {data?.map((r) => (
              <tr key={r.id}>
                <th scope="row">
                  <Link href={`/repositories/${enc(r.name)}`}>{r.name}</Link>
                </th>
                <td>{r.type}</td>
                <td className="small">{r.url}</td>
                <td>
                  <code>{r.lastRevision ?? '—'}</code>
                </td>
                <td className="message">{r.lastError ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

const parent = (p: string) => p.split('/').slice(0, -1).join('/');

export function RepositoryPage({ id }: { id: string }) {
  const { query } = useLocation();
  const canWrite = useCanWrite();
  const initial = query.get('path') ?? '';
  const [dir, setDir] = useState(initial);
  const [revision, setRevision] = useState(query.get('revision') ?? '');
  const [file, setFile] = useState<string | null>(query.get('file'));
  const [historyKey, setHistoryKey] = useState(0);
  const tree = useData(
    () =>
      api<Tree>(
        'GET',
        `/api/v1/repositories/${enc(id)}/tree?path=${enc(dir)}${revision ? `&revision=${enc(revision)}` : ''}`,
      ),
    [id, dir, revision, historyKey],
  );
  const repo = useData(() => api<Repository>('GET', `/api/v1/repositories/${enc(id)}`), [id]);

  return (
    <section aria-labelledby="repo-title">
      <p className="crumbs">
        <Link href="/repositories">Repositories</Link> / repository
      </p>
      <h1 id="repo-title">{repo.data?.name ?? id}</h1>
      <p className="meta">
        {repo.data?.type} · {repo.data?.url}{' '}
        {repo.data && (
          <>
            · <Link href={`/audit?repository=${enc(repo.data.id)}`}>audit history</Link>
          </>
        )}
      </p>
      <RewoundWarning rewound={repo.data?.rewound} />
      <div className="repo-layout">
        <div className="pane">
          <h2>
            Tree{' '}
            <span className="small muted">
              at <code data-testid="tree-revision">{tree.data?.revision ?? '…'}</code>
            </span>
          </h2>
          <form
            className="filters"
            onSubmit={(e) => {
              e.preventDefault();
              const v = new FormData(e.currentTarget).get('revision');
              setRevision(typeof v === 'string' ? v.trim() : '');
            }}
          >
            <label>
              Revision
              <input name="revision" defaultValue={revision} placeholder="newest" />
            </label>
            <button type="submit" className="secondary">
              Go
            </button>
          </form>
          <ErrorBox error={tree.error} />
          <ul className="tree" aria-label={`Directory ${dir || '/'}`}>
            {dir && (
              <li>
                <button type="button" className="linkish" onClick={() => setDir(parent(dir))}>
                  <FolderIcon label="Parent folder" /> ..
                </button>
              </li>
            )}
            {tree.data?.entries.map((e) => (
              <li key={e.path}>
                {e.type === 'dir' ? (
                  <button type="button" className="linkish" onClick={() => setDir(e.path)}>
                    <FolderIcon label="Folder" /> {e.name}/
                  </button>
                ) : (
                  <button
                    type="button"
                    className="linkish"
                    aria-current={file === e.path ? 'true' : undefined}
                    onClick={() => setFile(e.path)}
                  >
                    <FileIcon label="File" /> {e.name}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </div>
        <div className="pane wide">
          {file ? (
            <FileView
              repoId={id}
              path={file}
              revision={tree.data?.revision ?? null}
              // A Helm chart repository is read-only: no Edit button that could only fail.
              canWrite={canWrite && repo.data?.type !== 'helm'}
              onCommitted={() => {
                setRevision('');
                setHistoryKey((k) => k + 1);
              }}
            />
          ) : (
            <p className="muted">Choose a file to view it.</p>
          )}
        </div>
      </div>
      <RevisionHistory
        repoId={id}
        repositoryUuid={repo.data?.id ?? null}
        canPreview={canWrite && repo.data?.type !== 'helm'}
        path={file ?? dir}
        refreshKey={historyKey}
        onPick={setRevision}
      />
    </section>
  );
}

function FileView({
  repoId,
  path,
  revision,
  canWrite,
  onCommitted,
}: {
  repoId: string;
  path: string;
  revision: string | null;
  canWrite: boolean;
  onCommitted: () => void;
}) {
  const { data, error } = useData(
    () =>
      revision
        ? api<string>(
            'GET',
            `/api/v1/repositories/${enc(repoId)}/files/${encPath(path)}?revision=${enc(revision)}`,
            {
              text: true,
            },
          )
        : Promise.resolve(null),
    [repoId, path, revision],
  );
  const [editing, setEditing] = useState(false);
  useEffect(() => setEditing(false), [path]);
  return (
    <>
      <h2>
        <code>{path}</code>
      </h2>
      <ErrorBox error={error} />
      {canWrite && !editing && data !== null && (
        <button type="button" onClick={() => setEditing(true)}>
          Edit
        </button>
      )}
      {editing && data !== null && revision ? (
        <Editor
          repoId={repoId}
          path={path}
          base={revision}
          initial={data}
          onCancel={() => setEditing(false)}
          onCommitted={() => {
            setEditing(false);
            onCommitted();
          }}
        />
      ) : (
        data !== null && <Code text={data} path={path} />
      )}
    </>
  );
}

function Editor(props: {
  repoId: string;
  path: string;
  base: string;
  initial: string;
  onCancel: () => void;
  onCommitted: () => void;
}) {
  const [content, setContent] = useState(props.initial);
  const [message, setMessage] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setConflict(null);
    try {
      const r = await api<{ revision: { id: string; display: string } }>(
        'PUT',
        `/api/v1/repositories/${enc(props.repoId)}/files/${encPath(props.path)}`,
        { body: { content, message, baseRevision: props.base } },
      );
      setDone(r.revision.display);
      props.onCommitted();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) setConflict(err.message);
      else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="editor" onSubmit={submit} aria-label={`Edit ${props.path}`}>
      <p className="small muted">
        Based on <code>{props.base}</code>
      </p>
      <label htmlFor="editor-content">Content</label>
      <textarea
        id="editor-content"
        value={content}
        onChange={(e) => setContent(e.target.value)}
        rows={Math.min(30, Math.max(10, content.split('\n').length + 2))}
        spellCheck={false}
      />
      <label htmlFor="editor-message">Commit message</label>
      <input id="editor-message" value={message} onChange={(e) => setMessage(e.target.value)} required />
      {error && (
        <p className="error" role="alert" data-testid="commit-error">
          {error}
        </p>
      )}
      {conflict && (
        <div className="conflict" role="alert" data-testid="commit-conflict">
          <strong>Conflict:</strong> {conflict}
          <p>
            Someone committed after the revision you edited. Copy your change, reload the file and apply it
            again.
          </p>
        </div>
      )}
      {done && <p role="status">Committed {done}</p>}
      <div className="actions">
        <button type="submit" disabled={busy || !message.trim()}>
          Commit
        </button>
        <button type="button" className="secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function RevisionHistory({
  repoId,
  repositoryUuid,
  canPreview,
  path,
  refreshKey,
  onPick,
}: {
  repoId: string;
  repositoryUuid: string | null;
  canPreview: boolean;
  path: string;
  refreshKey: number;
  onPick: (rev: string) => void;
}) {
  const { items, cursor, error, more } = usePages<Commit>(
    `/api/v1/repositories/${enc(repoId)}/revisions?limit=20${path ? `&path=${enc(path)}` : ''}`,
    [repoId, path, refreshKey],
  );
  const [previewing, setPreviewing] = useState<Commit | null>(null);
  return (
    <>
      <h2>History {path && <span className="small muted">of {path}</span>}</h2>
      <ErrorBox error={error} />
      <div className="table-wrap">
        <table data-testid="revisions">
          <thead>
            <tr>
              <th scope="col">Revision</th>
              <th scope="col">Message</th>
              <th scope="col">Author</th>
              <th scope="col">When</th>
              <th scope="col">Changed</th>
              {canPreview && <th scope="col">Preview</th>}
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.revision.id}>
                <td>
                  <button
                    type="button"
                    className="linkish"
                    title={`Browse at ${c.revision.id}`}
                    onClick={() => onPick(c.revision.id)}
                  >
                    <code>{c.revision.display}</code>
                  </button>
                </td>
                <td className="message">{c.message}</td>
                <td>{c.author}</td>
                <td>{time(c.time)}</td>
                <td className="small">{c.changedPaths.join(', ')}</td>
                {canPreview && (
                  <td>
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`Preview ${c.revision.display}`}
                      aria-expanded={previewing?.revision.id === c.revision.id}
                      onClick={() => setPreviewing(c)}
                    >
                      Preview
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {previewing && repositoryUuid && (
        <PreviewCommit
          commit={previewing}
          repositoryUuid={repositoryUuid}
          onCancel={() => setPreviewing(null)}
        />
      )}
      <LoadMore cursor={cursor} more={more} />
    </>
  );
}
