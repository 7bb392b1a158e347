// The shell: asks for an API key (kept in sessionStorage), checks it against /api/session, then shows
// the navigation and the page of the current path. A rejected key or an unreachable api is said plainly.
import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { api, ApiError, clearKey, getKey, onKeyRejected, setKey, type Role } from './api';
import { FreezeBanner, useFreezes } from './components/change-freezes';
import { Badge } from './components/ui';
import { usePoll } from './hooks';
import { Approvals } from './pages/Approvals';
import { Controls } from './pages/Controls';
import { History } from './pages/History';
import { Insights } from './pages/Insights';
import { Ml } from './pages/Ml';
import { Overview } from './pages/Overview';
import { DASHBOARD_PAGES as PAGES } from '../../platform/dashboard-pages';
import type { Policies } from './types';

type Session = { name: string; role: Role };
type AuthState =
  | { kind: 'checking' }
  | { kind: 'signed-out'; message?: string; unreachable?: boolean }
  | { kind: 'ok'; session: Session };

function useLocation() {
  const [loc, setLoc] = useState(() => ({ path: window.location.pathname, search: window.location.search }));
  useEffect(() => {
    const on = () => setLoc({ path: window.location.pathname, search: window.location.search });
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  const navigate = useCallback((to: string) => {
    window.history.pushState(null, '', to);
    const u = new URL(to, window.location.origin);
    setLoc({ path: u.pathname, search: u.search });
  }, []);
  return { ...loc, navigate };
}

export function App() {
  const [auth, setAuth] = useState<AuthState>(() => (getKey() ? { kind: 'checking' } : { kind: 'signed-out' }));

  const check = useCallback(async (key: string) => {
    setAuth({ kind: 'checking' });
    try {
      const session = await api<Session>('/api/session', { key });
      setKey(key);
      setAuth({ kind: 'ok', session });
    } catch (err) {
      const e = err as ApiError;
      if (e.kind === 'unauthorized') clearKey();
      setAuth({ kind: 'signed-out', message: e.message, unreachable: e.kind === 'network' });
    }
  }, []);

  useEffect(() => {
    const key = getKey();
    if (key) void check(key);
    return onKeyRejected(() => {
      clearKey();
      setAuth({ kind: 'signed-out', message: 'The API key was rejected (revoked or unknown). Enter a valid key.' });
    });
  }, [check]);

  if (auth.kind === 'checking')
    return (
      <main className="center">
        <p role="status">Checking the API key…</p>
      </main>
    );
  if (auth.kind === 'signed-out')
    return <KeyForm message={auth.message} unreachable={auth.unreachable} onSubmit={(k) => void check(k)} />;
  return (
    <Shell
      session={auth.session}
      onSignOut={() => {
        clearKey();
        setAuth({ kind: 'signed-out' });
      }}
    />
  );
}

function KeyForm({
  message,
  unreachable,
  onSubmit,
}: {
  message?: string;
  unreachable?: boolean;
  onSubmit: (key: string) => void;
}) {
  const [key, setValue] = useState(getKey() ?? '');
  const id = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (key.trim()) onSubmit(key.trim());
  };
  return (
    <main className="center">
      <form className="card key-form" onSubmit={submit}>
        <h1>Floyo engine</h1>
        <p>
          The operator dashboard talks to the engine's api with your API key. The key stays in this browser tab only
          (session storage).
        </p>
        {message && (
          <div className={`state ${unreachable ? 'state-error' : 'state-error'}`} role="alert" data-testid="auth-error">
            <strong>{unreachable ? 'Api unreachable.' : 'Key rejected.'}</strong> {message}
          </div>
        )}
        <div className="field">
          <label htmlFor={id}>API key</label>
          <input
            id={id}
            type="password"
            autoComplete="off"
            value={key}
            onChange={(e) => setValue(e.target.value)}
            autoFocus
          />
        </div>
        <button type="submit" className="btn btn-primary" disabled={!key.trim()}>
          Sign in
        </button>
        <p className="small muted">
          <code>npm start</code> prints an admin key (also in <code>.data/dev-admin-key</code>). Create others with{' '}
          <code>npm run api-key -- --name alice --role operator</code>.
        </p>
      </form>
    </main>
  );
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const { path, search, navigate } = useLocation();
  const policies = usePoll(() => api<Policies>('/api/autonomous/policies'), 15_000);
  const pending = usePoll(() => api<{ total: number }>('/api/autonomous/approvals?limit=1'), 4_000);
  const freezes = useFreezes();
  const page = PAGES.find((p) => p.path === path) ?? null;
  const selectedCycle = new URLSearchParams(search).get('cycle');

  useEffect(() => {
    document.title = `${page?.label ?? 'Not found'} · Floyo engine`;
  }, [page]);

  return (
    <div className="app">
      <a href="#main" className="skip">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">Floyo engine</div>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <a
                  href={p.path}
                  aria-current={p.path === path ? 'page' : undefined}
                  onClick={(e) => {
                    if (!e.metaKey && !e.ctrlKey) {
                      e.preventDefault();
                      navigate(p.path);
                    }
                  }}
                >
                  {p.label}
                  {p.path === '/approvals' && pending.data && pending.data.total > 0 && (
                    <span className="count" aria-label={`${pending.data.total} pending`}>
                      {pending.data.total}
                    </span>
                  )}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="status-strip">
          {policies.data && (
            <>
              {policies.data.killSwitch && <Badge status="kill switch ON" tone="bad" />}
              {freezes.data?.active && <Badge status="change freeze" tone="warn" />}
              {policies.data.liveMode ? (
                <Badge status="live mode" tone="warn" />
              ) : (
                <Badge status="dry mode" tone="info" />
              )}
            </>
          )}
          <span className="who" data-testid="who">
            {session.name} · <strong>{session.role}</strong>
          </span>
          <button type="button" className="btn btn-small" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      {policies.error?.kind === 'network' && (
        <div className="banner banner-bad" role="alert" data-testid="api-down">
          Api unreachable — the pages show the last data they received and retry automatically. {policies.error.message}
        </div>
      )}
      <FreezeBanner freezes={freezes} />
      <main id="main" tabIndex={-1}>
        <h1 className="page-title">{page?.label ?? 'Not found'}</h1>
        {path === '/' && <Overview navigate={navigate} />}
        {path === '/insights' && <Insights />}
        {path === '/approvals' && <Approvals role={session.role} me={session.name} />}
        {path === '/controls' && <Controls role={session.role} navigate={navigate} freezes={freezes} />}
        {path === '/history' && (
          <History
            selected={selectedCycle}
            select={(c) => navigate(c ? `/history?cycle=${encodeURIComponent(c)}` : '/history')}
          />
        )}
        {path === '/ml' && <Ml />}
        {!page && (
          <p className="state state-empty">
            No page at {path}.{' '}
            <a
              href="/"
              onClick={(e) => {
                e.preventDefault();
                navigate('/');
              }}
            >
              Go to the overview
            </a>
            .
          </p>
        )}
      </main>
    </div>
  );
}
