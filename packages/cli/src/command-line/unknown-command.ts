import { commandName, type CommandGroup, type NamedCommand } from './command-group.js';

const HELP_OR_VERSION = new Set(['--help', '-h', '--version']);

function isGroup(command: NamedCommand): command is CommandGroup {
  return 'subcommands' in command;
}

/**
 * The first word of `args` that names no command, with the command path it was looked up under
 * (`["sessions"]` for `airlock sessions bogus`), or undefined. Only the leading words are
 * checked, skipping --help and --version: past any other option a word may be that option's
 * value, so the check stops there rather than guess.
 *
 * yargs' strictCommands() reports unknown commands, but not when --help is on the line: help
 * skips validation, so `airlock bogus --help` would print the general help and exit 0. main.ts
 * runs this check only then.
 */
export function findUnknownCommand(
  args: readonly string[],
  commands: readonly NamedCommand[],
): { readonly word: string; readonly path: readonly string[] } | undefined {
  let level: readonly NamedCommand[] = commands;
  const path: string[] = [];
  for (const arg of args) {
    if (HELP_OR_VERSION.has(arg)) continue;
    if (arg.startsWith('-')) return undefined;
    const found = level.find((c) => commandName(c) === arg);
    if (found === undefined) return { word: arg, path };
    if (!isGroup(found)) return undefined;
    path.push(arg);
    level = found.subcommands;
  }
  return undefined;
}
