#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { agentCommand } from './commands/agent-command.js';
import { agentsCommand } from './commands/agents-command.js';
import { auditCommand } from './commands/audit-command.js';
import { configCheckCommand } from './commands/config-check-command.js';
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

await yargs(hideBin(process.argv))
  .scriptName('airlock')
  .usage('$0 <command> [options]\n\nAirlock: an access gateway for MCP servers in private networks.')
  .command(devCommand)
  .command(gatewayCommand)
  .command(agentCommand)
  .command(agentsCommand)
  .command(toolsCommand)
  .command(loginCommand)
  .command(logoutCommand)
  .command(whoamiCommand)
  .command(connectCommand)
  .command(proxyCommand)
  .command(sessionsCommand)
  .command(verifyCommand)
  .command(auditCommand)
  .command(configCheckCommand)
  .demandCommand(1, 'Name a command; see the list above.')
  .strict()
  .version(AIRLOCK_VERSION)
  .help()
  .parseAsync();
