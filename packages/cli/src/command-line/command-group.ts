import type { Argv, CommandModule } from 'yargs';

/** A command with a name, for the unknown-command check (`connect <connection>` is named `connect`). */
export interface NamedCommand {
  readonly command?: string | readonly string[] | undefined;
}

/**
 * Any yargs command module, whatever its arguments: `CommandModule<object, ListArgs>` is not a
 * `CommandModule<object, ShowArgs>`, but each is a Subcommand.
 */
export interface Subcommand extends NamedCommand {
  readonly describe?: string | false | undefined;
  readonly builder?: unknown;
  handler(args: never): void | Promise<void>;
}

/** A command made of subcommands (`airlock sessions list`). */
export interface CommandGroup extends CommandModule {
  readonly subcommands: readonly NamedCommand[];
}

/** The word that runs a command: the first of its `command` string. */
export function commandName(module: NamedCommand): string {
  const command = Array.isArray(module.command) ? module.command[0] : module.command;
  return String(command ?? '').split(' ')[0] ?? '';
}

/** "a, b or c" */
function listed(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/**
 * `airlock <name> <subcommand>`: one list of subcommands serves yargs (which runs them) and the
 * unknown-command check (which names them), so the two cannot disagree.
 */
export function commandGroup(options: {
  readonly name: string;
  readonly describe: string;
  readonly subcommands: readonly Subcommand[];
}): CommandGroup {
  const names = options.subcommands.map(commandName);
  return {
    command: options.name,
    describe: options.describe,
    subcommands: options.subcommands,
    builder: (y: Argv) =>
      options.subcommands
        .reduce<Argv>((group, subcommand) => group.command(subcommand as CommandModule), y)
        .demandCommand(1, `Name a subcommand: ${listed(names)}.`),
    handler: () => undefined,
  };
}
