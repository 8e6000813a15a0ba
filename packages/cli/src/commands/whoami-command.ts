import { AirlockError } from '@airlock/core/client';
import type { CommandModule } from 'yargs';

interface WhoamiArgs {
  gateway: string | undefined;
  json: boolean;
}

export const whoamiCommand: CommandModule<object, WhoamiArgs> = {
  command: 'whoami',
  describe: 'Show who you are logged in as at a gateway (never prints a token)',
  builder: (y) =>
    y
      .option('gateway', {
        type: 'string',
        describe: 'Gateway URL (default: $AIRLOCK_GATEWAY, else http://127.0.0.1:8080)',
      })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
  handler: async (args) => {
    try {
      const { resolveGatewayUrl } = await import('../login/gateway-url.js');
      const { GatewayCredentials } = await import('../login/gateway-credentials.js');
      const { identityOf } = await import('../login/identity-claims.js');
      const gateway = resolveGatewayUrl(args.gateway);
      const login = new GatewayCredentials(gateway).login();
      const who = identityOf(login);
      const view = {
        gateway,
        issuer: login.issuer,
        subject: who.subject,
        email: who.email,
        name: who.name,
        groups: who.groups,
        connections: Object.keys(login.connections),
      };
      if (args.json) {
        process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
        return;
      }
      const lines = [
        `gateway      ${view.gateway}`,
        `issuer       ${view.issuer}`,
        `subject      ${view.subject ?? '-'}`,
        `email        ${view.email ?? '-'}`,
        `name         ${view.name ?? '-'}`,
        `groups       ${view.groups.length > 0 ? view.groups.join(', ') : '-'}`,
        `connections  ${view.connections.length > 0 ? view.connections.join(', ') : '-'}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    } catch (error) {
      process.stderr.write(`airlock: ${AirlockError.from(error).message}\n`);
      process.exitCode = 1;
    }
  },
};
