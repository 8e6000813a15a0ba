import type { ApprovalListView, ApprovalView } from '@airlock/core';
import type { Argv, CommandModule } from 'yargs';
import { callAdminApi } from '../admin/admin-client.js';
import { gatewayOptions, type GatewayArgs } from '../admin/admin-options.js';
import { resolveAdminTarget } from '../admin/admin-target.js';
import { runApiCommand } from '../admin/run-api-command.js';
import { APPROVALS_PATH, approvalPath } from '../approvals/approval-api-path.js';
import { approvalsTable, approvalText, voteText } from '../approvals/approvals-output.js';
import { watchApprovals } from '../approvals/watch-approvals.js';
import { commandGroup } from '../command-line/command-group.js';

interface ListArgs extends GatewayArgs {
  status: string;
  all: boolean;
  connection?: string;
  requester?: string;
  limit?: number;
  cursor?: string;
}

interface ShowArgs extends GatewayArgs {
  id: string;
}

interface VoteArgs extends ShowArgs {
  reason?: string;
}

const STATUSES = ['pending', 'approved', 'denied', 'expired', 'all'];

const list: CommandModule<object, ListArgs> = {
  command: 'list',
  describe: 'Held calls you may see, newest first (default: the pending ones)',
  builder: (y) =>
    gatewayOptions(y)
      .option('status', { type: 'string', choices: STATUSES, default: 'pending' })
      .option('all', { type: 'boolean', default: false, describe: 'Every status (same as --status all)' })
      .option('connection', { type: 'string', describe: 'Only calls on this connection' })
      .option('requester', { type: 'string', describe: 'Only calls by this subject' })
      .option('limit', { type: 'number', describe: 'Approvals per page (default 50, at most 500)' })
      .option('cursor', {
        type: 'string',
        describe: 'The next page, as printed by the previous one',
      }) as Argv<ListArgs>,
  handler: (args) =>
    runApiCommand(async () => {
      const query = new URLSearchParams({ status: args.all ? 'all' : args.status });
      const add = (key: string, value: string | number | undefined): void => {
        if (value !== undefined && value !== '') query.set(key, String(value));
      };
      add('connection', args.connection);
      add('requester', args.requester);
      add('limit', args.limit);
      add('cursor', args.cursor);
      const page = await callAdminApi<ApprovalListView>(
        await resolveAdminTarget(args),
        'GET',
        `${APPROVALS_PATH}?${query.toString()}`,
      );
      return args.json ? `${JSON.stringify(page)}\n` : approvalsTable(page.approvals, page.nextCursor);
    }),
};

const show: CommandModule<object, ShowArgs> = {
  command: 'show <id>',
  describe: 'One held call: who asked, the exact arguments, the rule, the votes and what it still needs',
  builder: (y) =>
    gatewayOptions(y).positional('id', { type: 'string', demandOption: true }) as Argv<ShowArgs>,
  handler: (args) =>
    runApiCommand(async () => {
      const view = await callAdminApi<ApprovalView>(
        await resolveAdminTarget(args),
        'GET',
        approvalPath(args.id),
      );
      return args.json ? `${JSON.stringify(view)}\n` : approvalText(view);
    }),
};

function voteCommand(decision: 'approve' | 'deny'): CommandModule<object, VoteArgs> {
  return {
    command: `${decision} <id>`,
    describe:
      decision === 'approve'
        ? 'Approve a held call (it runs once the approvals it needs are in)'
        : 'Deny a held call; the requester sees your reason',
    builder: (y) =>
      gatewayOptions(y)
        .positional('id', { type: 'string', demandOption: true })
        .option('reason', {
          type: 'string',
          demandOption: decision === 'deny' ? 'Say why with --reason: the requester sees it.' : false,
          describe: decision === 'deny' ? 'Why (shown to the requester)' : 'Why (optional, recorded)',
        }) as Argv<VoteArgs>,
    handler: (args) =>
      runApiCommand(async () => {
        const view = await callAdminApi<ApprovalView>(
          await resolveAdminTarget(args),
          'POST',
          approvalPath(args.id, decision),
          args.reason === undefined ? {} : { reason: args.reason },
        );
        return args.json ? `${JSON.stringify(view)}\n` : voteText(view);
      }),
  };
}

const watch: CommandModule<object, GatewayArgs> = {
  command: 'watch',
  describe: 'Print each pending approval as it arrives (the pending ones first); Ctrl-C to stop',
  builder: (y) => gatewayOptions(y),
  handler: (args) =>
    runApiCommand(async () => {
      await watchApprovals(
        () => resolveAdminTarget(args),
        (view) => process.stdout.write(args.json ? `${JSON.stringify(view)}\n` : `${approvalText(view)}\n`),
      );
    }),
};

export const approvalsCommand = commandGroup({
  name: 'approvals',
  describe: 'List, show, approve and deny tool calls held for approval, or watch for new ones',
  subcommands: [list, show, voteCommand('approve'), voteCommand('deny'), watch],
});
