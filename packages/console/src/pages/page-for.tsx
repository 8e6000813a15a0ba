import type { ConsoleSessionInfo } from '../api/console-session.js';
import { AccessPage } from './access-page.js';
import { AgentsPage } from './agents-page.js';
import { ApprovalsPage } from './approvals-page.js';
import { ReplayPage } from './replay-page.js';
import { SessionsPage } from './sessions-page.js';
import { ToolsPage } from './tools-page.js';

const SESSION_PATH = /^\/console\/sessions\/([^/]+)$/;

/** The page a console path names. */
export function pageFor(path: string, info: ConsoleSessionInfo) {
  void info;
  if (path === '/console' || path === '/console/' || path === '/console/sessions') return <SessionsPage />;
  if (path === '/console/approvals') return <ApprovalsPage />;
  if (path === '/console/access') return <AccessPage />;
  if (path === '/console/agents') return <AgentsPage />;
  if (path === '/console/tools') return <ToolsPage />;
  const session = SESSION_PATH.exec(path);
  if (session) return <ReplayPage key={session[1]} id={decodeURIComponent(session[1] as string)} />;
  return (
    <section>
      <h1>Not found</h1>
      <p>Nothing is shown at {path}; pick a page above.</p>
    </section>
  );
}
