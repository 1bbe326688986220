import { api, enc, type GeneratorDetail } from '../api';
import { Link } from '../router';
import { Badge, ErrorBox, useData } from '../util';
import { generatesText } from './GeneratorsPage';

/** A generator: what it stamps out, the applications it made, what it could not generate. */
export function GeneratorPage({ name }: { name: string }) {
  const { data: g, error } = useData(
    () => api<GeneratorDetail>('GET', `/api/v1/generators/${enc(name)}`),
    [name],
  );
  return (
    <section aria-labelledby="generator-title">
      <p className="crumbs">
        <Link href="/generators">Generators</Link> / generator
      </p>
      <h1 id="generator-title">{g?.name ?? name}</h1>
      <ErrorBox error={error} />
      {!g && !error && <p className="loading">Loading…</p>}
      {g && (
        <>
          <p className="meta">
            project <Link href={`/projects/${enc(g.project)}`}>{g.project}</Link> · {generatesText(g)} ·
            template <code>{g.template.name}</code> from <code>{g.template.path || '/'}</code>
            {g.preserveOnDelete && ' · objects preserved on delete'}
          </p>
          <p className="meta">
            last recomputed {g.status.recomputedAt ?? 'never'}
            {g.status.revision && (
              <>
                {' '}
                at <code>{g.status.revision.slice(0, 12)}</code>
              </>
            )}
          </p>
          {g.status.errors.length > 0 && (
            <>
              <h2>Not generated</h2>
              <ul data-testid="generator-errors">
                {g.status.errors.map((e) => (
                  <li key={e}>{e}</li>
                ))}
              </ul>
            </>
          )}
          <h2>Applications</h2>
          {g.applications.length === 0 ? (
            <p>None.</p>
          ) : (
            <div className="table-wrap">
              <table data-testid="generated-applications">
                <thead>
                  <tr>
                    <th>Application</th>
                    <th>Path</th>
                    <th>Targets</th>
                  </tr>
                </thead>
                <tbody>
                  {g.applications.map((a) => (
                    <tr key={a.id} data-app={a.name}>
                      <td>
                        <Link href={`/applications/${enc(a.name)}`}>{a.name}</Link>
                        {a.deleting && (
                          <>
                            {' '}
                            <Badge value="deleting" />
                          </>
                        )}
                      </td>
                      <td>
                        <code>{a.path || '/'}</code>
                      </td>
                      <td>{a.targets.map((t) => t.clusterSelector).join('; ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
