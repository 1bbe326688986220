import { all, enc, type Generator } from '../api';
import { Link } from '../router';
import { ErrorBox, useData } from '../util';

/** What a generator stamps its template out for, in words. */
export function generatesText(g: Generator): string {
  const dirs = g.directories ? `directories ${g.directories.glob}` : '';
  const clusters = g.clusters ? `clusters ${g.clusters.selector || '(every cluster)'}` : '';
  return dirs && clusters ? `${dirs} × ${clusters}` : dirs || clusters;
}

/** The generators of applications the caller may see, by name. */
export function GeneratorsPage() {
  const { data, error } = useData(() => all<Generator>('/api/v1/generators'), []);
  return (
    <section aria-labelledby="generators-title">
      <h1 id="generators-title">Generators</h1>
      <p className="meta">
        One application template stamped out per directory of a repository, per cluster, or both.
      </p>
      <ErrorBox error={error} />
      {!data && !error && <p className="loading">Loading…</p>}
      {data && data.length === 0 && <p>No generators.</p>}
      {data && data.length > 0 && (
        <div className="table-wrap">
          <table data-testid="generators">
            <thead>
              <tr>
                <th>Generator</th>
                <th>Project</th>
                <th>Generates</th>
                <th>Applications</th>
                <th>Errors</th>
              </tr>
            </thead>
            <tbody>
              {data.map((g) => (
                <tr key={g.id} data-generator={g.name}>
                  <td>
                    <Link href={`/generators/${enc(g.name)}`}>{g.name}</Link>
                  </td>
                  <td>{g.project}</td>
                  <td>{generatesText(g)}</td>
                  <td>{g.status.applications.length}</td>
                  <td>{g.status.errors.length}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
