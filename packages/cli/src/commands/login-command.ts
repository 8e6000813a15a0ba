import { AirlockError } from '@airlock/core/client';
import type { CommandModule } from 'yargs';

interface LoginArgs {
  gateway: string | undefined;
  connection: string[];
  device: boolean | undefined;
  browser: boolean | undefined;
  'client-id': string;
}

const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export const loginCommand: CommandModule<object, LoginArgs> = {
  command: 'login',
  describe: 'Log in to a gateway with your company identity (OIDC) and cache the tokens',
  builder: (y) =>
    y
      .option('gateway', {
        type: 'string',
        describe: 'Gateway URL (default: $AIRLOCK_GATEWAY, else http://127.0.0.1:8080)',
      })
      .option('connection', {
        alias: 'c',
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'A connection this login should cover (repeat; earlier ones are kept)',
      })
      .option('device', {
        type: 'boolean',
        describe: 'Device flow: print a URL and a code to enter in any browser',
      })
      .option('browser', {
        type: 'boolean',
        describe: 'Browser flow: authorization code + PKCE with a loopback redirect',
      })
      .option('client-id', {
        type: 'string',
        default: process.env['AIRLOCK_CLIENT_ID'] ?? 'airlock-cli',
        describe: 'OAuth public client id registered at your identity provider for the Airlock CLI',
      })
      .conflicts('device', 'browser'),
  handler: async (args) => {
    try {
      const { resolveGatewayUrl } = await import('../login/gateway-url.js');
      const { canOpenBrowser } = await import('../login/open-browser.js');
      const { performLogin } = await import('../login/perform-login.js');
      const { identityOf } = await import('../login/identity-claims.js');
      const gateway = resolveGatewayUrl(args.gateway);
      const flow = args.device
        ? 'device'
        : args.browser
          ? 'browser'
          : canOpenBrowser()
            ? 'browser'
            : 'device';
      const { file, login } = await performLogin({
        gateway,
        connections: args.connection.flatMap((c) => c.split(',')).filter((c) => c !== ''),
        clientId: args['client-id'],
        flow,
        say,
      });
      const who = identityOf(login);
      const groups = who.groups.length > 0 ? ` (groups: ${who.groups.join(', ')})` : '';
      process.stdout.write(`Logged in to ${gateway} as ${who.email ?? who.subject ?? 'unknown'}${groups}.\n`);
      process.stdout.write(`Tokens are cached in ${file} (readable by you only).\n`);
      const first = Object.keys(login.connections)[0] ?? '<connection>';
      process.stdout.write(
        `Connect a stdio MCP client with: airlock connect ${first} --gateway ${gateway}\n`,
      );
    } catch (error) {
      process.stderr.write(`airlock: ${AirlockError.from(error).message}\n`);
      process.exitCode = 1;
    }
  },
};
