// The shell: signs the tab in (an API key in sessionStorage, checked with GET /v1/me), then a nav bar
// and the page for the current hash route. Any 401 ends the session and shows the sign-in page again;
// the hash route is kept, so signing in returns to the page asked for.
import { useEffect, useMemo, useState } from 'react';
import type { MeView } from '@anchorage/sdk';
import { client, errorMessage, isUnauthorized, onUnauthorized, signOut, storedKey } from './api';
import { useRoute } from './hooks';
import { canManageKeys } from './lib/permissions';
import { ComparePage } from './pages/ComparePage';
import { KeysPage } from './pages/KeysPage';
import { PipelinePage } from './pages/PipelinePage';
import { PipelinesPage } from './pages/PipelinesPage';
import { RunPage } from './pages/RunPage';
import { RunsPage } from './pages/RunsPage';
import { SignInPage } from './pages/SignInPage';
import { SubmitPage } from './pages/SubmitPage';
import { SweepPage } from './pages/SweepPage';
import { SweepsPage } from './pages/SweepsPage';
import { WorkersPage } from './pages/WorkersPage';
import { SessionContext, type Session } from './session';

type Auth =
  | { state: 'checking' }
  | { state: 'signed-out'; notice?: string }
  | { state: 'unreachable'; error: unknown }
  | { state: 'signed-in'; me: MeView };

export function App() {
  const [auth, setAuth] = useState<Auth>(() => (storedKey() ? { state: 'checking' } : { state: 'signed-out' }));

  // A call answered 401: the key was revoked (or the API's keys changed). The key is already forgotten.
  useEffect(() => onUnauthorized(() => setAuth({ state: 'signed-out', notice: 'invalid or revoked key: sign in again' })), []);

  // A stored key (a reload, a new page in the same tab) is checked once before any page loads.
  useEffect(() => {
    if (auth.state !== 'checking') return;
    let current = true;
    client()
      .me()
      .then(
        (me) => current && setAuth({ state: 'signed-in', me }),
        (error: unknown) => {
          // A 401 has already signed the tab out (onUnauthorized above).
          if (current && !isUnauthorized(error)) setAuth({ state: 'unreachable', error });
        },
      );
    return () => {
      current = false;
    };
  }, [auth.state]);

  const session = useMemo<Session | null>(
    () =>
      auth.state === 'signed-in'
        ? {
            me: auth.me,
            signOut: () => {
              signOut();
              setAuth({ state: 'signed-out' });
            },
          }
        : null,
    [auth],
  );

  if (session) {
    return (
      <SessionContext.Provider value={session}>
        <Shell session={session} />
      </SessionContext.Provider>
    );
  }
  return (
    <>
      <header className="topbar">
        <span className="brand">⚓ Anchorage</span>
      </header>
      <main>
        {auth.state === 'checking' ? <div className="loading">Signing in…</div> : null}
        {auth.state === 'signed-out' ? <SignInPage notice={auth.notice} onSignedIn={(me) => setAuth({ state: 'signed-in', me })} /> : null}
        {auth.state === 'unreachable' ? (
          <div className="page" data-testid="signin-unreachable">
            <div className="error-box" role="alert">
              Cannot check your key: {errorMessage(auth.error)}
            </div>
            <div className="toolbar">
              <button className="primary" onClick={() => setAuth({ state: 'checking' })}>
                Try again
              </button>
              <button
                onClick={() => {
                  signOut();
                  setAuth({ state: 'signed-out' });
                }}
              >
                Sign in with another key
              </button>
            </div>
          </div>
        ) : null}
      </main>
    </>
  );
}

function Shell({ session }: { session: Session }) {
  const { me } = session;
  const route = useRoute();
  // A detail page lights up its list's entry.
  const active = ({ run: 'runs', sweep: 'sweeps', pipeline: 'pipelines' } as Record<string, string>)[route.page] ?? route.page;
  const link = (page: string, href: string, label: string) => (
    <a href={href} className={active === page ? 'active' : undefined} data-testid={`nav-${page}`}>
      {label}
    </a>
  );
  const admin = canManageKeys(me);
  return (
    <>
      <header className="topbar">
        <a className="brand" href="#/runs">
          ⚓ Anchorage
        </a>
        <nav>
          {link('runs', '#/runs', 'Runs')}
          {link('compare', '#/compare', 'Compare')}
          {link('sweeps', '#/sweeps', 'Sweeps')}
          {link('pipelines', '#/pipelines', 'Pipelines')}
          {link('workers', '#/workers', 'Workers')}
          {link('submit', '#/submit', 'Submit')}
          {admin ? link('keys', '#/keys', 'Keys') : null}
        </nav>
        <span className="spacer" />
        <nav className="external">
          <a href="/docs" target="_blank" rel="noreferrer">
            API docs ↗
          </a>
          {/* bull-board asks for an admin key as the HTTP Basic password. */}
          {admin ? (
            <a href="/admin/queues" target="_blank" rel="noreferrer" title="bull-board: give an admin key as the password">
              Queues ↗
            </a>
          ) : null}
        </nav>
        <span className="whoami" data-testid="whoami" data-role={me.role} title={`key ${me.id}`}>
          {me.name} <span className={`pill role-${me.role}`}>{me.role}</span>
        </span>
        <button className="signout" onClick={session.signOut} data-testid="signout">
          Sign out
        </button>
      </header>
      <main>
        {route.page === 'runs' ? <RunsPage /> : null}
        {route.page === 'run' ? <RunPage key={route.id} id={route.id} /> : null}
        {route.page === 'compare' ? <ComparePage ids={route.ids} /> : null}
        {route.page === 'sweeps' ? <SweepsPage /> : null}
        {route.page === 'sweep' ? <SweepPage key={route.id} id={route.id} /> : null}
        {route.page === 'pipelines' ? <PipelinesPage /> : null}
        {route.page === 'pipeline' ? <PipelinePage key={route.id} id={route.id} /> : null}
        {route.page === 'workers' ? <WorkersPage /> : null}
        {route.page === 'submit' ? <SubmitPage /> : null}
        {route.page === 'keys' ? <KeysPage /> : null}
        {route.page === 'not-found' ? (
          <div className="page">
            <h1>Not found</h1>
            <p>
              No page at <code>{route.path}</code>. Go to the <a href="#/runs">runs</a>.
            </p>
          </div>
        ) : null}
      </main>
    </>
  );
}
