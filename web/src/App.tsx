import { createContext, useContext, useEffect, useState, type FormEvent } from 'react';
import { session, whoAmI, type Role } from './api';
import { ApplicationPage } from './pages/ApplicationPage';
import { AuditPage } from './pages/AuditPage';
import { Overview } from './pages/Overview';
import { RepositoriesPage, RepositoryPage } from './pages/RepositoryPage';
import { Link, navigate, useLocation } from './router';
import { errorText } from './util';

const RoleContext = createContext<Role>('viewer');
/** The signed-in token's role. */
export const useRole = () => useContext(RoleContext);
/** True when the role may write (sync, rollback, commit): operator or admin. */
export const useCanWrite = () => useRole() !== 'viewer';

export function App() {
  const [role, setRole] = useState<Role | null>(null);
  const [checking, setChecking] = useState(Boolean(session.get()));
  useEffect(() => {
    const t = session.get();
    if (!t) return;
    whoAmI(t)
      .then(setRole)
      .catch(() => session.clear())
      .finally(() => setChecking(false));
  }, []);
  if (checking) return <p className="loading">Loading…</p>;
  if (!role) return <SignIn onSignedIn={setRole} />;
  const signOut = () => {
    session.clear();
    setRole(null);
    navigate('/');
  };
  return (
    <RoleContext.Provider value={role}>
      <Shell role={role} onSignOut={signOut} />
    </RoleContext.Provider>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: (r: Role) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const role = await whoAmI(token.trim());
      session.set(token.trim());
      onSignedIn(role);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin">
      <form onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Flotilla</h1>
        <p>Sign in with an API token. It is kept in this tab's session storage only.</p>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          required
          autoFocus
        />
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || !token.trim()}>
          Sign in
        </button>
      </form>
    </main>
  );
}

function Shell({ role, onSignOut }: { role: Role; onSignOut: () => void }) {
  const { path } = useLocation();
  const nav = [
    ['/', 'Fleet'],
    ['/repositories', 'Repositories'],
    ['/audit', 'Audit trail'],
  ] as const;
  const current = (href: string) =>
    href === '/' ? path === '/' || path.startsWith('/applications') : path.startsWith(href);
  let page;
  let m: RegExpExecArray | null;
  if ((m = /^\/applications\/([^/]+)$/.exec(path))) page = <ApplicationPage id={decodeURIComponent(m[1])} />;
  else if ((m = /^\/repositories\/([^/]+)$/.exec(path)))
    page = <RepositoryPage id={decodeURIComponent(m[1])} />;
  else if (path === '/repositories') page = <RepositoriesPage />;
  else if (path === '/audit') page = <AuditPage />;
  else page = <Overview />;
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Flotilla</span>
        <nav aria-label="Main">
          {nav.map(([href, label]) => (
            <Link key={href} href={href} aria-current={current(href) ? 'page' : undefined}>
              {label}
            </Link>
          ))}
        </nav>
        <span className="who">
          role: <strong data-testid="role">{role}</strong>
        </span>
        <button type="button" className="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}
