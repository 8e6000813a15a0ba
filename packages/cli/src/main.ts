#!/usr/bin/env node
import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { Subcommand } from './command-line/command-group.js';
import { findUnknownCommand } from './command-line/unknown-command.js';
import { accessCommand } from './commands/access-command.js';
import { agentCommand } from './commands/agent-command.js';
import { agentsCommand } from './commands/agents-command.js';
import { approvalsCommand } from './commands/approvals-command.js';
import { auditCommand } from './commands/audit-command.js';
import { configCommand } from './commands/config-command.js';
import { connectCommand } from './commands/connect-command.js';
import { devCommand } from './commands/dev-command.js';
import { gatewayCommand } from './commands/gateway-command.js';
import { loginCommand } from './commands/login-command.js';
import { logoutCommand } from './commands/logout-command.js';
import { proxyCommand } from './commands/proxy-command.js';
import { sessionsCommand } from './commands/sessions-command.js';
import { toolsCommand } from './commands/tools-command.js';
import { verifyCommand } from './commands/verify-command.js';
import { whoamiCommand } from './commands/whoami-command.js';
import { AIRLOCK_VERSION } from './version.js';

const args = hideBin(process.argv);
const commands = [
  devCommand,
  gatewayCommand,
  agentCommand,
  agentsCommand,
  toolsCommand,
  loginCommand,
  logoutCommand,
  whoamiCommand,
  connectCommand,
  proxyCommand,
  sessionsCommand,
  accessCommand,
  approvalsCommand,
  verifyCommand,
  auditCommand,
  configCommand,
] satisfies readonly Subcommand[];

// yargs skips validation, strictCommands() included, when --help is given: without this,
// `airlock bogus --help` would print the general help and exit 0.
if (args.includes('--help') || args.includes('-h')) {
  const unknown = findUnknownCommand(args, commands);
  if (unknown !== undefined) {
    const parent = ['airlock', ...unknown.path].join(' ');
    process.stderr.write(`Unknown command: ${unknown.word}. Run "${parent} --help" to see the commands.\n`);
    process.exit(1);
  }
}

await yargs(args)
  .scriptName('airlock')
  .usage('$0 <command> [options]\n\nAirlock: an access gateway for MCP servers in private networks.')
  .command(commands.map((command) => command as CommandModule))
  .demandCommand(1, 'Name a command; see the list above.')
  // An unknown command is an error ("Unknown command: x"), not an unknown argument.
  .strictCommands()
  .strict()
  .version(AIRLOCK_VERSION)
  .help()
  .parseAsync();
