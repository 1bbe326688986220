import { all, api, ApiError, enc, type Application, type Project } from '../api';
import { ProjectBindings } from '../components/ProjectBindings';
import { ProjectRules } from '../components/ProjectRules';
import { Link } from '../router';
import { Badge, ErrorBox, errorText, useData } from '../util';

const POLL_MS = 5_000;

/** The counts of one application's rows in the fleet status read model. */
interface StatusCounts {
  total: number;
  sync: Record<string, number>;
  health: Record<string, number>;
}

/** Why a project cannot be shown, said plainly: the hub answers 403/404 for another's project. */
function refusal(name: string, e: unknown): string {
  if (e instanceof ApiError && (e.status === 403 || e.status === 404))
    return `Project ${name} does not exist or you hold no role in it (HTTP ${e.status}).`;
  return errorText(e);
}

/** A project: its rules, who holds a role in it, its applications with their fleet status. */
export function ProjectPage({ name }: { name: string }) {
  const project = useData(async () => {
    try {
      return await api<Project>('GET', `/api/v1/projects/${enc(name)}`);
    } catch (e) {
      throw new Error(refusal(name, e));
    }
  }, [name]);
  if (!project.data)
    return (
      <section aria-labelledby="project-title">
        <p className="crumbs">
          <Link href="/projects">Projects</Link> / project
        </p>
        <h1 id="project-title">{name}</h1>
        {project.error ? <ErrorBox error={project.error} /> : <p className="loading">Loading…</p>}
      </section>
    );
  const p = project.data;
  return (
    <section aria-labelledby="project-title">
      <p className="crumbs">
        <Link href="/projects">Projects</Link> / project
      </p>
      <h1 id="project-title">{p.name}</h1>
      <p className="meta">
        {p.description && <>{p.description} · </>}
        <Link href={`/?project=${enc(p.name)}`}>fleet grid of this project</Link> ·{' '}
        <Link href={`/audit?project=${enc(p.name)}`} data-testid="project-audit">
          audit events
        </Link>
      </p>
      <h2>Rules</h2>
      <ProjectRules project={p} />
      <h2>Role bindings</h2>
      <ProjectBindings project={p.name} />
      <h2>Applications</h2>
      <ProjectApplications project={p.name} />
    </section>
  );
}

function ProjectApplications({ project }: { project: string }) {
  const { data, error } = useData(
    async () => {
      const apps = await all<Application>(`/api/v1/applications?project=${enc(project)}`);
      // one small request per application: its counts over every cluster it targets
      const counts = await Promise.all(
        apps.map((a) =>
          api<{ counts: StatusCounts }>('GET', `/api/v1/fleet/status?application=${enc(a.id)}&limit=1`).then(
            (r) => r.counts,
          ),
        ),
      );
      return apps.map((app, i) => ({ app, counts: counts[i] }));
    },
    [project],
    POLL_MS,
  );
  if (error) return <ErrorBox error={error} />;
  if (!data) return <p className="loading">Loading…</p>;
  if (data.length === 0) return <p className="muted">No application belongs to this project.</p>;
  return (
    <div className="table-wrap">
      <table data-testid="project-apps">
        <thead>
          <tr>
            <th>Application</th>
            <th>Path</th>
            <th>Clusters</th>
            <th>Sync</th>
            <th>Health</th>
          </tr>
        </thead>
        <tbody>
          {data.map(({ app, counts }) => (
            <tr key={app.id} data-app={app.name}>
              <td>
                <Link href={`/applications/${enc(app.name)}`}>{app.name}</Link>
                {app.suspended && (
                  <>
                    {' '}
                    <Badge value="suspended" />
                  </>
                )}
              </td>
              <td>
                <code>{app.path}</code>
              </td>
              <td>{counts.total}</td>
              <td data-testid="app-sync">
                <Tally counts={counts.sync} />
              </td>
              <td>
                <Tally counts={counts.health} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** `Synced 2 · Failed 1` as badges, most frequent first. */
function Tally({ counts }: { counts: Record<string, number> }) {
  const entries = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <>
      {entries.map(([k, n]) => (
        <span key={k} className="tally">
          <Badge value={k} /> {n}{' '}
        </span>
      ))}
    </>
  );
}
