import type { SessionSummary } from '@airlock/recording/pages';
import type { AdminTarget } from '../admin/admin-client.js';
import { followEventStream } from '../live/follow-event-stream.js';
import { sessionsTable } from './sessions-output.js';

export interface FollowSessionsOptions {
  /** Every change as one JSON line (each session again whenever it changes), not the table. */
  readonly json: boolean;
  readonly signal?: AbortSignal;
}

/**
 * `airlock sessions list --follow`: the first page as `list` prints it, then a line for every
 * session that starts and every one that ends, from the sessions API's live stream (the same
 * filters and the same visibility as the list). A lost connection resumes where it stopped.
 */
export async function followSessions(
  target: () => Promise<AdminTarget>,
  path: string,
  write: (text: string) => void,
  options: FollowSessionsOptions,
): Promise<void> {
  const status = new Map<string, string>();
  const line = (label: string, s: SessionSummary): string =>
    `${label.padEnd(7)} ${s.startedAt}  ${s.id}  ${s.email ?? s.subject}  ${s.clientName ?? '-'}  ${s.connection}  ${s.status}${s.endReason ? ` (${s.endReason})` : ''}\n`;
  await followEventStream(
    target,
    path,
    ({ event, data }) => {
      if (event === 'snapshot') {
        const page = data as { sessions: SessionSummary[] };
        for (const s of page.sessions) status.set(s.id, s.status);
        if (options.json) for (const s of page.sessions) write(`${JSON.stringify(s)}\n`);
        else write(`${sessionsTable(page.sessions, undefined)}\nFollowing new sessions (Ctrl-C to stop).\n`);
        return;
      }
      if (event !== 'sessions') return;
      for (const s of (data as { sessions: SessionSummary[] }).sessions) {
        const before = status.get(s.id);
        status.set(s.id, s.status);
        if (options.json) write(`${JSON.stringify(s)}\n`);
        else if (before === undefined) write(line('started', s));
        else if (before !== s.status) write(line(s.status === 'open' ? 'open' : 'ended', s));
      }
    },
    {
      ...(options.signal ? { signal: options.signal } : {}),
      onConnection: (state) =>
        process.stderr.write(
          state === 'lost'
            ? 'airlock: lost the gateway; reconnecting (nothing is missed).\n'
            : 'airlock: following again.\n',
        ),
    },
  );
}
