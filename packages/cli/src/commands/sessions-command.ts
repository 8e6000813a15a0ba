import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordingEvent, RecordingSource } from '@airlock/core';
import {
  chainsByTime,
  eventsByTime,
  MAX_EVENT_PAGE_SIZE,
  type SessionPage,
  type SessionSummary,
} from '@airlock/recording/pages';
import type { Argv, CommandModule } from 'yargs';
import { callAdminApi, fetchAdminApi, type AdminTarget } from '../admin/admin-client.js';
import { gatewayOptions, type GatewayArgs } from '../admin/admin-options.js';
import { resolveAdminTarget } from '../admin/admin-target.js';
import { runApiCommand } from '../admin/run-api-command.js';
import { SESSIONS_PATH, sessionPath } from '../sessions/session-api-path.js';
import { sessionEventPages } from '../sessions/session-event-pages.js';
import { replayText, sessionsTable, sessionText } from '../sessions/sessions-output.js';
import { parseSessionTime } from '../sessions/session-time.js';
import { followSessions } from '../sessions/follow-sessions.js';
import { commandGroup } from '../command-line/command-group.js';

interface ListArgs extends GatewayArgs {
  user?: string;
  connection?: string;
  since?: string;
  until?: string;
  tool?: string;
  status?: string;
  text?: string;
  limit?: number;
  cursor?: string;
  follow?: boolean;
}

interface SessionArgs extends GatewayArgs {
  id: string;
}

interface ReplayArgs extends SessionArgs {
  source: string;
  step: boolean;
  delay: number;
  pageSize?: number;
}

interface ExportArgs extends SessionArgs {
  format: string;
  out?: string;
}

/** --page-size: how many events one request to the gateway fetches. */
export function pageSizeOption<T>(y: Argv<T>): Argv<T & { pageSize?: number }> {
  return y.option('page-size', {
    type: 'number',
    describe: `Events fetched per request (default 500, at most ${MAX_EVENT_PAGE_SIZE})`,
  }) as Argv<T & { pageSize?: number }>;
}

const list: CommandModule<object, ListArgs> = {
  command: 'list',
  describe: 'List recorded sessions, newest first (yours; auditors see everyone’s)',
  builder: (y) =>
    gatewayOptions(y)
      .option('user', { type: 'string', describe: 'Only sessions of this subject' })
      .option('connection', { type: 'string', describe: 'Only sessions on this connection' })
      .option('since', { type: 'string', describe: 'Active at or after: ISO time or age (30m, 2h, 7d)' })
      .option('until', { type: 'string', describe: 'Began before: ISO time or age' })
      .option('tool', { type: 'string', describe: 'Only sessions that called this tool' })
      .option('status', { type: 'string', choices: ['open', 'ended', 'failed'] })
      .option('text', {
        type: 'string',
        describe: 'Only sessions with these words in one message (whole words, any case)',
      })
      .option('limit', { type: 'number', describe: 'Sessions per page (default 50, at most 500)' })
      .option('cursor', {
        type: 'string',
        describe: 'The next page, as printed by the previous one',
      })
      .option('follow', {
        type: 'boolean',
        describe: 'Keep running: print each session as it starts and ends (Ctrl-C to stop)',
      })
      .conflicts('follow', ['cursor', 'text']) as Argv<ListArgs>,
  handler: (args) =>
    runApiCommand(async () => {
      const query = new URLSearchParams();
      const add = (key: string, value: string | number | undefined): void => {
        if (value !== undefined && value !== '') query.set(key, String(value));
      };
      add('subject', args.user);
      add('connection', args.connection);
      add('from', args.since === undefined ? undefined : parseSessionTime(args.since, 'since'));
      add('to', args.until === undefined ? undefined : parseSessionTime(args.until, 'until'));
      add('tool', args.tool);
      add('status', args.status);
      add('text', args.text);
      add('limit', args.limit);
      add('cursor', args.cursor);
      const suffix = query.size > 0 ? `?${query.toString()}` : '';
      if (args.follow) {
        await followSessions(
          () => resolveAdminTarget(args),
          `${SESSIONS_PATH}${suffix}`,
          (text) => process.stdout.write(text),
          {
            json: args.json === true,
          },
        );
        return '';
      }
      const page = await callAdminApi<SessionPage>(
        await resolveAdminTarget(args),
        'GET',
        `${SESSIONS_PATH}${suffix}`,
      );
      return args.json ? `${JSON.stringify(page)}\n` : sessionsTable(page.sessions, page.nextCursor);
    }),
};

const show: CommandModule<object, SessionArgs> = {
  command: 'show <id>',
  describe: "A recorded session's metadata and summary",
  builder: (y) =>
    gatewayOptions(y).positional('id', { type: 'string', demandOption: true }) as Argv<SessionArgs>,
  handler: (args) =>
    runApiCommand(async () => {
      const session = await callAdminApi<SessionSummary>(
        await resolveAdminTarget(args),
        'GET',
        sessionPath(args.id),
      );
      return args.json ? `${JSON.stringify(session)}\n` : sessionText(session);
    }),
};

const replay: CommandModule<object, ReplayArgs> = {
  command: 'replay <id>',
  describe: 'Print a session message by message, with times and directions',
  builder: (y) =>
    pageSizeOption(gatewayOptions(y))
      .positional('id', { type: 'string', demandOption: true })
      .option('source', {
        type: 'string',
        choices: ['gateway', 'agent', 'all'],
        default: 'gateway',
        describe: "Whose record: the gateway's (what the client got), the agent's, or both by time",
      })
      .option('step', {
        type: 'boolean',
        default: false,
        describe: 'Wait for Enter between messages (only when stdin is a terminal)',
      })
      .option('delay', {
        type: 'number',
        default: 0,
        describe: 'Pause this many ms between messages',
      }) as Argv<ReplayArgs>,
  handler: (args) =>
    runApiCommand(async () => {
      const target = await resolveAdminTarget(args);
      const events = replayEvents(target, args.id, args.source, args.pageSize);
      // Stepping needs someone at a keyboard; piped or scripted, the whole session is printed.
      const prompt =
        args.step && process.stdin.isTTY && !args.json
          ? createInterface({ input: process.stdin, output: process.stderr })
          : undefined;
      let shown = 0;
      try {
        // Printed as pages arrive; the pause comes before the next event, so none follows the last.
        for await (const event of events) {
          if (shown > 0 && !args.json) {
            if (prompt) await prompt.question(`-- ${shown} shown, Enter for the next message --`);
            else if (args.delay > 0) await sleep(args.delay);
          }
          await writeOut(args.json ? `${JSON.stringify(event)}\n` : replayText(event));
          shown += 1;
        }
      } finally {
        prompt?.close();
      }
      if (shown === 0 && !args.json)
        return `Session ${args.id} has no ${args.source === 'all' ? '' : `${args.source} `}events.\n`;
    }),
};

/** The events to replay, a page at a time: one record in its order, or both interleaved by time. */
function replayEvents(
  target: AdminTarget,
  id: string,
  source: string,
  pageSize: number | undefined,
): AsyncIterable<RecordingEvent> {
  // Several gateways may each have written a chain of the session: merged by time, like the sources.
  const pages = (record: RecordingSource) =>
    chainsByTime(sessionEventPages(target, id, { source: record, pageSize }));
  if (source === 'all') return eventsByTime(pages('gateway'), pages('agent'));
  return (async function* () {
    for await (const page of pages(source === 'agent' ? 'agent' : 'gateway')) yield* page;
  })();
}

/** Writes to standard output, waiting while a slow reader (a pager, a pipe) catches up. */
async function writeOut(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
}

const exportSession: CommandModule<object, ExportArgs> = {
  command: 'export <id>',
  describe: 'Export a session as JSONL (one event per line) or a Markdown transcript',
  builder: (y) =>
    gatewayOptions(y)
      .positional('id', { type: 'string', demandOption: true })
      .option('format', { type: 'string', choices: ['jsonl', 'markdown'], default: 'jsonl' })
      .option('out', {
        type: 'string',
        describe: 'Write to this file instead of standard output',
      }) as Argv<ExportArgs>,
  handler: (args) =>
    runApiCommand(async () => {
      const response = await fetchAdminApi(
        await resolveAdminTarget(args),
        'GET',
        `${sessionPath(args.id, 'export')}?format=${args.format}`,
        { accept: args.format === 'jsonl' ? 'application/x-ndjson' : 'text/markdown', timeoutMs: 300_000 },
      );
      if (response.body === null) return;
      const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
      if (args.out === undefined) {
        await pipeline(body, process.stdout, { end: false });
        return;
      }
      await pipeline(body, createWriteStream(args.out, { mode: 0o600 }));
      process.stderr.write(`Wrote session ${args.id} (${args.format}) to ${args.out}\n`);
    }),
};

export const sessionsCommand = commandGroup({
  name: 'sessions',
  describe: 'Search, show, replay and export recorded sessions',
  subcommands: [list, show, replay, exportSession],
});
