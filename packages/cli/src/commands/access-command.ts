import type { Argv, CommandModule } from 'yargs';
import type { AccessRequestView } from '@airlock/core';
import { accessListText, accessRequestText } from '../access/access-output.js';
import { callAdminApi } from '../admin/admin-client.js';
import { gatewayOptions, type GatewayArgs } from '../admin/admin-options.js';
import { resolveAdminTarget } from '../admin/admin-target.js';
import { runApiCommand } from '../admin/run-api-command.js';
import { commandGroup } from '../command-line/command-group.js';

const REQUESTS = '/api/v1/access/requests';
const requestPath = (id: string, step?: string): string =>
  `${REQUESTS}/${encodeURIComponent(id)}${step === undefined ? '' : `/${step}`}`;

interface RequestArgs extends GatewayArgs {
  connection: string;
  tools?: string;
  duration: string;
  reason: string;
}

interface ListArgs extends GatewayArgs {
  status?: string;
  connection?: string;
  all: boolean;
}

interface DecideArgs extends GatewayArgs {
  id: string;
  reason?: string;
}

const asJson = (answer: unknown): string => `${JSON.stringify(answer)}\n`;

const request: CommandModule<object, RequestArgs> = {
  command: 'request <connection>',
  describe: 'Ask for temporary access to a connection (or some of its tools)',
  builder: (y) =>
    gatewayOptions(y)
      .positional('connection', { type: 'string', demandOption: true })
      .option('tools', {
        type: 'string',
        describe: "Only these tools, comma-separated globs (e.g. 'get_*,list_tables')",
      })
      .option('duration', { type: 'string', demandOption: true, describe: 'How long, e.g. 30m, 1h, 2h30m' })
      .option('reason', {
        type: 'string',
        demandOption: true,
        describe: 'Why (shown to approvers, recorded)',
      }) as Argv<RequestArgs>,
  handler: (args) =>
    runApiCommand(async () => {
      const tools = (args.tools ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '');
      const answer = await callAdminApi<AccessRequestView>(await resolveAdminTarget(args), 'POST', REQUESTS, {
        connection: args.connection,
        ...(tools.length === 0 ? {} : { tools }),
        duration: args.duration,
        reason: args.reason,
      });
      if (args.json) return asJson(answer);
      return `Requested access ${answer.id}; an approver grants or denies it (airlock access grant|deny ${answer.id}).\n${accessRequestText(answer)}\n`;
    }),
};

const list: CommandModule<object, ListArgs> = {
  command: 'list',
  describe: 'Access requests: yours, those you may decide (auditors: all)',
  builder: (y) =>
    gatewayOptions(y)
      .option('status', {
        type: 'string',
        choices: ['requested', 'granted', 'denied', 'revoked', 'expired'],
        describe: 'Only requests in this state',
      })
      .option('connection', { type: 'string', describe: 'Only requests for this connection' })
      .option('all', {
        type: 'boolean',
        default: false,
        describe: 'Include decided and ended requests (default: waiting and in force)',
      }) as Argv<ListArgs>,
  handler: (args) =>
    runApiCommand(async () => {
      const query = new URLSearchParams();
      if (args.status) query.set('status', args.status);
      if (args.connection) query.set('connection', args.connection);
      const path = query.size === 0 ? REQUESTS : `${REQUESTS}?${query.toString()}`;
      const answer = await callAdminApi<{ requests: AccessRequestView[] }>(
        await resolveAdminTarget(args),
        'GET',
        path,
      );
      const shown =
        args.all || args.status
          ? answer.requests
          : answer.requests.filter((r) => r.status === 'requested' || r.status === 'granted');
      return args.json ? asJson({ requests: shown }) : accessListText(shown);
    }),
};

function decision(
  step: 'grant' | 'deny' | 'revoke',
  describe: string,
  reasonRequired: boolean,
): CommandModule<object, DecideArgs> {
  return {
    command: `${step} <id>`,
    describe,
    builder: (y) =>
      gatewayOptions(y)
        .positional('id', { type: 'string', demandOption: true })
        .option('reason', {
          type: 'string',
          demandOption: reasonRequired,
          describe: reasonRequired ? 'Why (shown to the requester, recorded)' : 'Why (optional, recorded)',
        }) as Argv<DecideArgs>,
    handler: (args) =>
      runApiCommand(async () => {
        const answer = await callAdminApi<AccessRequestView>(
          await resolveAdminTarget(args),
          'POST',
          requestPath(args.id, step),
          args.reason === undefined ? {} : { reason: args.reason },
        );
        return args.json ? asJson(answer) : `${accessRequestText(answer)}\n`;
      }),
  };
}

export const accessCommand = commandGroup({
  name: 'access',
  describe: 'Just-in-time access: request, list, grant, deny, revoke',
  subcommands: [
    request,
    list,
    decision('grant', 'Grant an access request (approvers of its connection)', false),
    decision('deny', 'Deny an access request (approvers of its connection)', true),
    decision('revoke', 'End a grant now (approvers, or the requester)', false),
  ],
});
