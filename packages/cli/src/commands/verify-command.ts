import { AirlockError } from '@airlock/core/client';
import type { Argv, CommandModule } from 'yargs';
import { resolveAdminTarget } from '../admin/admin-target.js';
import { sessionEventPages } from '../sessions/session-event-pages.js';
import { verificationText } from '../sessions/sessions-output.js';
import { gatewayOptions, type GatewayArgs } from '../admin/admin-options.js';
import { pageSizeOption } from './sessions-command.js';

interface VerifyArgs extends GatewayArgs {
  session: string;
  pageSize?: number;
}

/** Exit code when the recording is broken (tampered, gaps, or the two records disagree). */
export const VERIFY_BROKEN_EXIT = 3;

export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify <session>',
  describe:
    "Check a session's hash chains and that the gateway's and agent's records agree (exit 0 ok, 3 broken)",
  builder: (y) =>
    pageSizeOption(gatewayOptions(y)).positional('session', {
      type: 'string',
      demandOption: true,
    }) as Argv<VerifyArgs>,
  handler: async (args) => {
    try {
      // Verified here, from the events as the gateway's store holds them, a page at a time: the
      // check does not rest on the gateway's own verdict, and no single request runs long.
      const pages = sessionEventPages(await resolveAdminTarget(args), args.session, {
        pageSize: args.pageSize,
      });
      // Loaded when this command runs: the recording package loads its stores and AWS SDK clients.
      const { verifySessionPages } = await import('@airlock/recording');
      const report = { ...(await verifySessionPages(pages)), sessionId: args.session };
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
