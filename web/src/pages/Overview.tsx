import { FleetGridView } from '../components/FleetGrid';
import { ProblemsView } from '../components/ProblemsView';
import { useProjectFilter, withProject } from '../components/ProjectFilter';
import { Link, useLocation } from '../router';

/**
 * The fleet, problems first: the landing view leads with what needs attention, grouped by
 * application and by a cluster label; the full clusters × applications grid is the other view.
 */
export function Overview() {
  const project = useProjectFilter();
  const grid = useLocation().query.get('view') === 'grid';
  return (
    <section aria-labelledby="fleet-title">
      <h1 id="fleet-title">Fleet</h1>
      <nav className="tabs" aria-label="Fleet views">
        <Link href={withProject('/', project)} aria-current={grid ? undefined : 'page'}>
          Needs attention
        </Link>
        <Link href={withProject('/?view=grid', project)} aria-current={grid ? 'page' : undefined}>
          All clusters
        </Link>
      </nav>
      {grid ? <FleetGridView project={project} /> : <ProblemsView project={project} />}
    </section>
  );
}
