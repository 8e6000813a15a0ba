import { AirlockError } from '@airlock/core';
import type { SessionVerification } from '@airlock/recording';
import type { Argv, CommandModule } from 'yargs';
import { callAdminApi } from '../admin/admin-client.js';
import { resolveAdminTarget } from '../admin/admin-target.js';
import { verificationText } from '../sessions/sessions-output.js';
import { gatewayOptions, sessionPath, type GatewayArgs } from './sessions-command.js';

interface VerifyArgs extends GatewayArgs {
  session: string;
}

/** Exit code when the recording is broken (tampered, gaps, or the two records disagree). */
export const VERIFY_BROKEN_EXIT = 3;

export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify <session>',
  describe:
    "Check a session's hash chains and that the gateway's and agent's records agree (exit 0 ok, 3 broken)",
  builder: (y) =>
    gatewayOptions(y).positional('session', { type: 'string', demandOption: true }) as Argv<VerifyArgs>,
  handler: async (args) => {
    try {
      const report = await callAdminApi<SessionVerification>(
        await resolveAdminTarget(args),
        'GET',
        sessionPath(args.session, 'verify'),
      );
      process.stdout.write(
        args.json ? `${JSON.stringify(report)}\n` : verificationText(args.session, report),
      );
      process.exitCode = report.ok ? 0 : VERIFY_BROKEN_EXIT;
    } catch (error) {
      process.stderr.write(`airlock: ${AirlockError.from(error).message}\n`);
      process.exitCode = 1;
    }
  },
};
