import type { EnrollAgentResponse, ListAgentsResponse } from '@airlock/core';
import { AirlockError } from '@airlock/core/client';
import type { Argv, CommandModule } from 'yargs';
import { callAdminApi } from '../admin/admin-client.js';
import { gatewayOptions, type GatewayArgs } from '../admin/admin-options.js';
import { resolveAdminTarget } from '../admin/admin-target.js';
import { agentsTable, enrolledAgentText } from '../admin/agents-output.js';
import { runApiCommand } from '../admin/run-api-command.js';
import { commandGroup } from '../command-line/command-group.js';

type CommonArgs = GatewayArgs;

interface CreateArgs extends CommonArgs {
  name: string;
  connections: string;
}

interface RevokeArgs extends CommonArgs {
  name: string;
}

const AGENTS_PATH = '/api/v1/agents';
/** Whose token these commands need. */
const ADMIN_TOKEN = 'of an administrator';

const create: CommandModule<object, CreateArgs> = {
  command: 'create <name>',
  describe: 'Enroll an agent and print its token (shown once)',
  builder: (y) =>
    gatewayOptions(y, ADMIN_TOKEN)
      .positional('name', { type: 'string', demandOption: true, describe: "The agent's id (agent.id)" })
      .option('connections', {
        type: 'string',
        demandOption: true,
        describe: 'Comma-separated connections the agent may serve',
      }) as Argv<CreateArgs>,
  handler: (args) =>
    runApiCommand(async () => {
      // The schema is zod's: loaded when an agent is created, not by every command at start-up.
      const { agentNameSchema } = await import('@airlock/core');
      const name = agentNameSchema.safeParse(args.name);
      if (!name.success)
        throw new AirlockError('invalid_params', `"${args.name}": ${name.error.issues[0]?.message}`);
      const connections = args.connections
        .split(',')
        .map((c) => c.trim())
        .filter((c) => c !== '');
      const target = await resolveAdminTarget(args);
      const enrolled = await callAdminApi<EnrollAgentResponse>(target, 'POST', AGENTS_PATH, {
        name: name.data,
        connections,
      });
      return args.json ? `${JSON.stringify(enrolled)}\n` : enrolledAgentText(enrolled, target.gatewayUrl);
    }),
};

const list: CommandModule<object, CommonArgs> = {
  command: 'list',
  describe: 'List the agents: connected or not, version, connections, last seen',
  builder: (y) => gatewayOptions(y, ADMIN_TOKEN),
  handler: (args) =>
    runApiCommand(async () => {
      const answer = await callAdminApi<ListAgentsResponse>(
        await resolveAdminTarget(args),
        'GET',
        AGENTS_PATH,
      );
      return args.json ? `${JSON.stringify(answer)}\n` : agentsTable(answer.agents);
    }),
};

const revoke: CommandModule<object, RevokeArgs> = {
  command: 'revoke <name>',
  describe: 'Revoke an agent: its token stops working and its connection is cut at once',
  builder: (y) =>
    gatewayOptions(y, ADMIN_TOKEN).positional('name', {
      type: 'string',
      demandOption: true,
    }) as Argv<RevokeArgs>,
  handler: (args) =>
    runApiCommand(async () => {
      const target = await resolveAdminTarget(args);
      const answer = await callAdminApi<unknown>(
        target,
        'DELETE',
        `${AGENTS_PATH}/${encodeURIComponent(args.name)}`,
      );
      return args.json
        ? `${JSON.stringify(answer)}\n`
        : `Agent "${args.name}" is revoked on ${target.gatewayUrl}: its token no longer works and its connection was cut.\n`;
    }),
};

export const agentsCommand = commandGroup({
  name: 'agents',
  describe: 'Enroll, list and revoke agents (admin API of a gateway)',
  subcommands: [create, list, revoke],
});
