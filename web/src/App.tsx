import { createContext, useContext, useEffect, useState, type FormEvent } from 'react';
import { session, ssoConfig, ssoLogout, whoAmI, type Role, type SsoConfig, type Whoami } from './api';
import { ApplicationPage } from './pages/ApplicationPage';
import { ProjectFilter, withProject } from './components/ProjectFilter';
import { AuditPage } from './pages/AuditPage';
import { NotificationsPage } from './pages/NotificationsPage';
import { Overview } from './pages/Overview';
import { PreviewPage } from './pages/PreviewPage';
import { ProjectPage } from './pages/ProjectPage';
import { ProjectsPage } from './pages/ProjectsPage';
import { GeneratorPage } from './pages/GeneratorPage';
import { GeneratorsPage } from './pages/GeneratorsPage';
import { HealthChecksPage } from './pages/HealthChecksPage';
import { RepositoriesPage, RepositoryPage } from './pages/RepositoryPage';
import { SubscriptionPage } from './pages/SubscriptionPage';
import { Link, navigate, useLocation } from './router';
import { errorText } from './util';

const RoleContext = createContext<Role>('viewer');
/** The signed-in token's role. */
export const useRole = () => useContext(RoleContext);
const MeContext = createContext<Whoami | null>(null);
/** Who is signed in (name, global role, project roles), as whoami answered at sign-in. */
export const useMe = () => useContext(MeContext);
/** True when the role may write (sync, rollback, commit): operator or admin. */
export const useCanWrite = () => useRole() !== 'viewer';

export function App() {
  const [me, setMe] = useState<Whoami | null>(null);
  const [checking, setChecking] = useState(true);
  useEffect(() => {
    // A token in this tab's storage, else the SSO session cookie (set by the sign-in redirect),
    // asked for only when the hub has SSO: a 401 counts against this address's failure budget.
    const t = session.get();
    const check = t
      ? whoAmI(t).catch((e: unknown) => {
          session.clear();
          throw e;
        })
      : ssoConfig().then((c) => (c.enabled ? whoAmI() : null));
    check
      .then(setMe)
      .catch(() => setMe(null))
      .finally(() => setChecking(false));
  }, []);
  if (checking) return <p className="loading">Loading…</p>;
  if (!me) return <SignIn onSignedIn={setMe} />;
  const signOut = async () => {
    if (me.authenticatedBy === 'sso') await ssoLogout().catch(() => undefined);
    session.clear();
    setMe(null);
    navigate('/');
  };
  // A person with project roles only sees what a viewer sees; the hub decides every request.
  return (
    <RoleContext.Provider value={me.role ?? 'viewer'}>
      <MeContext.Provider value={me}>
        <Shell me={me} onSignOut={signOut} />
      </MeContext.Provider>
    </RoleContext.Provider>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: (me: Whoami) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sso, setSso] = useState<SsoConfig | null>(null);
  useEffect(() => {
    ssoConfig()
      .then(setSso)
      .catch(() => setSso(null));
  }, []);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await whoAmI(token.trim());
      session.set(token.trim());
      onSignedIn(me);
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
        {sso?.enabled && sso.loginUrl && (
          <p>
            <a className="button" href={sso.loginUrl}>
              Sign in with SSO
            </a>
          </p>
        )}
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

/** The global role, then the project roles: "admin", or "team-a: operator". */
function roleText(me: Whoami): string {
  const parts = [...(me.role ? [me.role] : []), ...Object.entries(me.projects).map(([p, r]) => `${p}: ${r}`)];
  return parts.join(', ') || 'none';
}

function Shell({ me, onSignOut }: { me: Whoami; onSignOut: () => void | Promise<void> }) {
  const { path, query } = useLocation();
  const project = query.get('project') ?? '';
  const nav = [
    ['/', 'Fleet'],
    ['/projects', 'Projects'],
    ['/generators', 'Generators'],
    ['/health-checks', 'Health checks'],
    ['/repositories', 'Repositories'],
    ['/audit', 'Audit trail'],
    ['/notifications', 'Notifications'],
  ] as const;
  const current = (href: string) =>
    href === '/'
      ? path === '/' || path.startsWith('/applications') || path.startsWith('/previews')
      : path.startsWith(href);
  let page;
  let m: RegExpExecArray | null;
  if ((m = /^\/applications\/([^/]+)$/.exec(path))) page = <ApplicationPage id={decodeURIComponent(m[1])} />;
  else if ((m = /^\/repositories\/([^/]+)$/.exec(path)))
    page = <RepositoryPage id={decodeURIComponent(m[1])} />;
  else if (path === '/repositories') page = <RepositoriesPage />;
  else if ((m = /^\/previews\/([^/]+)$/.exec(path))) page = <PreviewPage id={decodeURIComponent(m[1])} />;
  else if (path === '/audit') page = <AuditPage />;
  else if (path === '/notifications') page = <NotificationsPage />;
  else if ((m = /^\/notifications\/([^/]+)$/.exec(path)))
    page = <SubscriptionPage id={decodeURIComponent(m[1])} />;
  else if ((m = /^\/projects\/([^/]+)$/.exec(path))) page = <ProjectPage name={decodeURIComponent(m[1])} />;
  else if (path === '/projects') page = <ProjectsPage />;
  else if ((m = /^\/generators\/([^/]+)$/.exec(path)))
    page = <GeneratorPage name={decodeURIComponent(m[1])} />;
  else if (path === '/generators') page = <GeneratorsPage />;
  else if (path === '/health-checks') page = <HealthChecksPage />;
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
            <Link
              key={href}
              href={withProject(href, project)}
              aria-current={current(href) ? 'page' : undefined}
            >
              {label}
            </Link>
          ))}
        </nav>
        <ProjectFilter />
        <span
          className="who"
          title={
            me.identity
              ? `signed in through ${me.identity.issuer} as ${me.identity.subject}; groups: ${me.identity.groups.join(', ') || 'none'}; session ends ${me.expiresAt}`
              : me.expiresAt
                ? `token expires ${me.expiresAt}`
                : 'token never expires'
          }
        >
          <span data-testid="token-name">{me.name}</span> · role:{' '}
          <strong data-testid="role">{roleText(me)}</strong>
        </span>
        <button type="button" className="secondary" onClick={() => void onSignOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}
