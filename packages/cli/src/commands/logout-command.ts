import { AirlockError } from '@airlock/core/client';
import type { CommandModule } from 'yargs';

interface LogoutArgs {
  gateway: string | undefined;
}

export const logoutCommand: CommandModule<object, LogoutArgs> = {
  command: 'logout',
  describe: "Forget a gateway's cached tokens (and revoke the refresh token where the provider allows)",
  builder: (y) =>
    y.option('gateway', {
      type: 'string',
      describe: 'Gateway URL (default: $AIRLOCK_GATEWAY, else http://127.0.0.1:8080)',
    }),
  handler: async (args) => {
    try {
      const { resolveGatewayUrl } = await import('../login/gateway-url.js');
      const { logout } = await import('../login/logout.js');
      const gateway = resolveGatewayUrl(args.gateway);
      const outcome = await logout(gateway);
      if (!outcome.removed) {
        process.stdout.write(`You were not logged in to ${gateway}.\n`);
        return;
      }
      if (outcome.revokeProblem !== undefined) {
        process.stderr.write(
          `airlock: the identity provider did not revoke the refresh token (${outcome.revokeProblem}); the cache is deleted anyway.\n`,
        );
      }
      process.stdout.write(
        `Logged out of ${gateway}: cached tokens deleted${outcome.revoked ? ', refresh token revoked' : ''}.\n`,
      );
    } catch (error) {
      process.stderr.write(`airlock: ${AirlockError.from(error).message}\n`);
      process.exitCode = 1;
    }
  },
};
