import { api, enc, type Page, type Project } from '../api';
import { Link } from '../router';
import { ErrorBox, useData } from '../util';

/** The projects the caller holds a role in (every one for a global role), by name. */
export function ProjectsPage() {
  const { data, error } = useData(
    () => api<Page<Project>>('GET', '/api/v1/projects').then((r) => r.items),
    [],
  );
  return (
    <section aria-labelledby="projects-title">
      <h1 id="projects-title">Projects</h1>
      <ErrorBox error={error} />
      {!data && !error && <p className="loading">Loading…</p>}
      {data && (
        <div className="table-wrap">
          <table data-testid="projects">
            <thead>
              <tr>
                <th>Project</th>
                <th>Description</th>
                <th>Destination clusters</th>
                <th>Applications</th>
              </tr>
            </thead>
            <tbody>
              {data.map((p) => (
                <tr key={p.id} data-project={p.name}>
                  <td>
                    <Link href={`/projects/${enc(p.name)}`}>{p.name}</Link>
                  </td>
                  <td>{p.description}</td>
                  <td>{p.clusterSelector ? <code>{p.clusterSelector}</code> : 'every cluster'}</td>
                  <td>{p.applications}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
