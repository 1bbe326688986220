import { api, type Page, type Project } from '../api';
import { navigate, useLocation } from '../router';
import { useData } from '../util';

/** The project the dashboard is narrowed to (`?project=` in the URL, so links carry it); '' is all. */
export function useProjectFilter(): string {
  return useLocation().query.get('project') ?? '';
}

/** `href` with the current project filter added to its query (left out when it is "all"). */
export function withProject(href: string, project: string): string {
  if (!project) return href;
  return `${href}${href.includes('?') ? '&' : '?'}project=${encodeURIComponent(project)}`;
}

/**
 * The project select of the header. The hub lists only the projects the caller holds a role in,
 * so a project-scoped person sees theirs; changing it keeps the page and its other filters.
 */
export function ProjectFilter() {
  const { path, query } = useLocation();
  const current = query.get('project') ?? '';
  const { data, error } = useData(
    () => api<Page<Project>>('GET', '/api/v1/projects').then((r) => r.items),
    [],
  );
  const change = (next: string) => {
    const q = new URLSearchParams(query);
    if (next) q.set('project', next);
    else q.delete('project');
    navigate(`${path}${q.size ? `?${q}` : ''}`);
  };
  const names = data?.map((p) => p.name) ?? [];
  // a project named in a link but not listed (unknown, or not the caller's) stays selectable,
  // so the select says what the page is filtered by
  if (current && data && !names.includes(current)) names.push(current);
  return (
    <label className="project-filter" title={error ? `Projects could not be listed: ${error}` : undefined}>
      Project
      <select
        name="project"
        data-testid="project-filter"
        value={current}
        onChange={(e) => change(e.target.value)}
      >
        <option value="">All projects</option>
        {names.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
}
