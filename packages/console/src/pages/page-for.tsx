import type { ConsoleSessionInfo } from '../api/console-session.js';
import { SessionsPage } from './sessions-page.js';

/** The page a console path names. */
export function pageFor(path: string, info: ConsoleSessionInfo) {
  void info;
  if (path === '/console' || path === '/console/' || path === '/console/sessions') return <SessionsPage />;
  return (
    <section>
      <h1>Not found</h1>
      <p>Nothing is shown at {path}; pick a page above.</p>
    </section>
  );
}
