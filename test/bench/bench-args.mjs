// Command-line options of a benchmark script: node:util's parseArgs, with `--help` printing the
// script's opening comment (where each script documents its options) and a wrong option answered
// with what was wrong and where to look, not a stack trace.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** parseArgs(config) for the script at `scriptUrl` (its import.meta.url); exits on --help or a wrong option. */
export function benchArgs(scriptUrl, config) {
  const script = fileURLToPath(scriptUrl);
  const options = { ...config.options, help: { type: 'boolean', short: 'h', default: false } };
  let parsed;
  try {
    parsed = parseArgs({ ...config, options });
  } catch (error) {
    process.stderr.write(`${basename(script)}: ${error.message}; run it with --help for its options\n`);
    process.exit(2);
  }
  if (parsed.values.help) {
    process.stdout.write(`${openingComment(script)}\n`);
    process.exit(0);
  }
  return parsed;
}

/** The `//` lines at the top of the file (after any #! line), without the slashes. */
function openingComment(script) {
  const lines = readFileSync(script, 'utf8').split('\n');
  const start = lines[0]?.startsWith('#!') ? 1 : 0;
  const comment = [];
  for (const line of lines.slice(start)) {
    if (!line.startsWith('//')) break;
    comment.push(line.replace(/^\/\/ ?/, ''));
  }
  return comment.length > 0
    ? comment.join('\n')
    : `${basename(script)}: no description at the top of the file`;
}
