import type { PinningMode, ToolPinListView, ToolPinView } from '@airlock/core';
import type { Argv, CommandModule } from 'yargs';
import { callAdminApi } from '../admin/admin-client.js';
import { gatewayOptions, type GatewayArgs } from '../admin/admin-options.js';
import { resolveAdminTarget } from '../admin/admin-target.js';
import { runApiCommand } from '../admin/run-api-command.js';
import { commandGroup } from '../command-line/command-group.js';

interface ListArgs extends GatewayArgs {
  connection: string;
}

interface AcceptArgs extends ListArgs {
  tools: string[];
  all: boolean;
}

/** Whose token these commands need. */
const ADMIN_TOKEN = 'of an administrator';

const toolsPath = (connection: string): string => `/api/v1/tools/${encodeURIComponent(connection)}`;
const show = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** What a connection's pinning mode does with a changed or new tool until it is accepted. */
const PINNING_MODE_EFFECT: Readonly<Record<PinningMode, string>> = {
  warn: 'clients still see and call changed and new tools (the change is recorded)',
  hide: 'changed and new tools are left out of clients’ tool lists, and calls to them are refused, until accepted',
  block: 'every tool call on the connection is refused while a change waits for acceptance',
  off: 'tool definitions are not checked',
};

function toolsText(connection: string, mode: PinningMode, tools: readonly ToolPinView[]): string {
  const modeLine = `Pinning mode ${mode}: ${PINNING_MODE_EFFECT[mode]}.`;
  if (tools.length === 0)
    return `${modeLine}\nNo tools of connection "${connection}" have been seen yet (a client must list them first).\n`;
  const lines = [modeLine, ''];
  lines.push(
    ...tools.map(
      (t) =>
        `${t.status.padEnd(8)} ${t.tool.padEnd(32)} ${t.fingerprint.slice(0, 12)}  ${t.changedAt}${t.acceptedBy ? `  accepted by ${t.acceptedBy}` : ''}`,
    ),
  );
  for (const t of tools) {
    if (t.status === 'pinned' || !t.diff) continue;
    lines.push('', `${t.tool} (${t.status}):`);
    for (const d of t.diff)
      lines.push(`  ${d.field}:`, `    - ${show(d.old ?? '(none)')}`, `    + ${show(d.new ?? '(none)')}`);
  }
  const pending = tools.filter((t) => t.status !== 'pinned').length;
  if (pending > 0)
    lines.push(
      '',
      `${pending} tool(s) wait for review: airlock tools accept ${connection} <tool...> | --all`,
    );
  return `${lines.join('\n')}\n`;
}

const list: CommandModule<object, ListArgs> = {
  command: 'list <connection>',
  describe: "A connection's tools: pinned, changed (with what changed) and new",
  builder: (y) =>
    gatewayOptions(y, ADMIN_TOKEN).positional('connection', {
      type: 'string',
      demandOption: true,
    }) as Argv<ListArgs>,
  handler: (args) =>
    runApiCommand(async () => {
      const answer = await callAdminApi<ToolPinListView>(
        await resolveAdminTarget(args),
        'GET',
        toolsPath(args.connection),
      );
      return args.json
        ? `${JSON.stringify(answer)}\n`
        : toolsText(args.connection, answer.mode, answer.tools);
    }),
};

const accept: CommandModule<object, AcceptArgs> = {
  command: 'accept <connection> [tools..]',
  describe: 'Accept the current definitions of changed or new tools (or --all)',
  builder: (y) =>
    gatewayOptions(y, ADMIN_TOKEN)
      .positional('connection', { type: 'string', demandOption: true })
      .positional('tools', { type: 'string', array: true, default: [] })
      .option('all', { type: 'boolean', default: false, describe: 'Accept every changed and new tool' })
      .check((a) => {
        if (!a.all && (a.tools as string[]).length === 0)
          throw new Error('Name the tools to accept, or pass --all.');
        return true;
      }) as Argv<AcceptArgs>,
  handler: (args) =>
    runApiCommand(async () => {
      const answer = await callAdminApi<{ accepted: string[] }>(
        await resolveAdminTarget(args),
        'POST',
        `${toolsPath(args.connection)}/accept`,
        args.all ? { all: true } : { tools: args.tools },
      );
      if (args.json) return `${JSON.stringify(answer)}\n`;
      return answer.accepted.length === 0
        ? `Nothing to accept on "${args.connection}": those tools are already pinned (or were never seen).\n`
        : `Accepted on "${args.connection}": ${answer.accepted.join(', ')}\n`;
    }),
};

export const toolsCommand = commandGroup({
  name: 'tools',
  describe: 'Review and accept tool definitions that changed (tool pinning, admin API)',
  subcommands: [list, accept],
});
