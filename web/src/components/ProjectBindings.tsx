import { api, type Page, type Token } from '../api';
import { useMe } from '../App';
import { ErrorBox, time, useData } from '../util';

/**
 * Who holds a role in the project. The token list is for admins only, so others see their own
 * role; secrets never reach the page (the list carries none, and not even the prefix is shown).
 */
export function ProjectBindings({ project }: { project: string }) {
  const me = useMe();
  const isAdmin = me?.role === 'admin';
  const { data, error } = useData(
    () => (isAdmin ? api<Page<Token>>('GET', '/api/v1/tokens') : Promise.resolve(null)),
    [isAdmin],
  );
  const mine = me?.projects[project];
  const bound = (data?.items ?? []).filter((t) => t.projects[project] !== undefined);
  return (
    <>
      <p data-testid="my-project-role">
        {me?.role
          ? `You hold the global role ${me.role}${mine ? ` and ${mine} in this project` : ''}.`
          : `Your role in this project: ${mine ?? 'none'}.`}
      </p>
      <p className="muted small">
        Global tokens and SSO users with a global role act in every project. SSO groups map to project roles
        in the hub's configuration (not shown through the API).
      </p>
      <ErrorBox error={error} />
      {!isAdmin ? (
        <p className="muted">The tokens bound to this project are listed for admins.</p>
      ) : bound.length === 0 ? (
        <p className="muted" data-testid="bindings-empty">
          No token holds a role in this project alone.
        </p>
      ) : (
        <div className="table-wrap">
          <table data-testid="bindings">
            <thead>
              <tr>
                <th>Token</th>
                <th>Role here</th>
                <th>Expires</th>
                <th>Last used</th>
              </tr>
            </thead>
            <tbody>
              {bound.map((t) => (
                <tr key={t.id} data-token={t.name}>
                  <td>{t.name}</td>
                  <td>{t.projects[project]}</td>
                  <td>{t.expiresAt ? time(t.expiresAt) : 'never'}</td>
                  <td>{time(t.lastUsedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
