import { useEffect, useState } from 'preact/hooks';
import { ApiError, useCsrfToken } from './api/api-client.js';
import { loadConsoleSession, signInUrl, signOut, type ConsoleSessionInfo } from './api/console-session.js';
import { ErrorNotice } from './parts/error-notice.js';
import { pageFor } from './pages/page-for.js';
import { SignedOutPage } from './pages/signed-out-page.js';
import { Link, navigate, useLocation } from './router.js';

const NAV = [
  { href: '/console/sessions', label: 'Sessions' },
  { href: '/console/approvals', label: 'Approvals' },
  { href: '/console/access', label: 'Access' },
  { href: '/console/agents', label: 'Agents', admin: true },
  { href: '/console/tools', label: 'Tools', admin: true },
];

type Signed =
  | { kind: 'loading' }
  | { kind: 'in'; info: ConsoleSessionInfo }
  | { kind: 'out'; endSessionUrl?: string }
  | { kind: 'failed'; error: unknown };

/** The console: who is signed in, the navigation, and the page the URL names. */
export function App() {
  const { path } = useLocation();
  const [signed, setSigned] = useState<Signed>({ kind: 'loading' });

  useEffect(() => {
    if (path === '/console/signed-out') {
      setSigned({ kind: 'out' });
      return;
    }
    loadConsoleSession().then(
      (info) => {
        useCsrfToken(info.csrfToken);
        setSigned({ kind: 'in', info });
      },
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 401) {
          // Not signed in: the gateway signs the person in and brings them back here.
          location.assign(signInUrl(location.pathname + location.search));
          return;
        }
        setSigned({ kind: 'failed', error });
      },
    );
  }, []);

  if (signed.kind === 'out' || path === '/console/signed-out') {
    return <SignedOutPage endSessionUrl={signed.kind === 'out' ? signed.endSessionUrl : undefined} />;
  }
  if (signed.kind === 'failed') return <ErrorNotice error={signed.error} />;
  if (signed.kind === 'loading') return <p class="loading">Loading…</p>;
  const { info } = signed;
  const person = info.person.name ?? info.person.email ?? info.person.subject;
  return (
    <div class="shell">
      <header class="topbar">
        <Link href="/console/sessions" class="brand">
          Airlock
        </Link>
        <nav aria-label="Console">
          <ul>
            {NAV.filter((item) => !item.admin || info.roles.admin).map((item) => (
              <li key={item.href}>
                <Link href={item.href} aria-current={path.startsWith(item.href) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who" data-testid="signed-in-as">
          {person}
        </span>
        <button
          type="button"
          onClick={() => {
            signOut().then(
              (answer) => {
                setSigned({
                  kind: 'out',
                  ...(answer.endSessionUrl ? { endSessionUrl: answer.endSessionUrl } : {}),
                });
                navigate('/console/signed-out', true);
              },
              (error: unknown) => setSigned({ kind: 'failed', error }),
            );
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main">{pageFor(path, info)}</main>
    </div>
  );
}
