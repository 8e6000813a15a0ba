#!/usr/bin/env node
// The entry point of `airlock-agent`, the agent as one executable file (scripts/build-agent-binary.mjs
// bundles it with only what the agent role needs: no gateway, no store, no demo, no test code).
import { parseArgs } from 'node:util';
import { AIRLOCK_VERSION } from './version.js';

const USAGE = `Usage: airlock-agent [--config FILE]

Runs an Airlock agent: dials out to every gateway in its configuration and relays MCP sessions to
the servers beside it. The configuration comes from --config, else $AIRLOCK_CONFIG, else the
AIRLOCK_AGENT__* environment alone (see docs/deploying.md).

Options:
  --config FILE   configuration file (YAML, with an "agent" section)
  --version       print the version and exit
  --help          print this help and exit
`;

function parseCommandLine(): { config?: string; version?: boolean; help?: boolean } {
  try {
    return parseArgs({
      options: {
        config: { type: 'string' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    process.stderr.write(`airlock-agent: ${(error as Error).message}. Run "airlock-agent --help".\n`);
    process.exit(2);
  }
}

const options = parseCommandLine();
if (options.help) {
  process.stdout.write(USAGE);
} else if (options.version) {
  process.stdout.write(`${AIRLOCK_VERSION}\n`);
} else {
  // Loaded only here, so --version and --help do not evaluate the whole agent. No top-level
  // await: the bundle is CommonJS (what a Node single executable runs); runAgent reports its own
  // failures and sets the exit code.
  void import('./roles/run-agent.js').then(({ runAgent }) =>
    runAgent({ configPath: options.config, prettyLogs: false }),
  );
}
