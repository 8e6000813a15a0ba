import { AirlockError } from '@airlock/core';

const STDERR_EXCERPT_CHARS = 1000;

/** Keeps the last lines a server wrote to stderr, for error messages. */
export class StderrTail {
  private readonly lines: string[] = [];

  constructor(private readonly keep = 20) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.keep) this.lines.shift();
  }

  excerpt(): string {
    const text = this.lines.join(' | ');
    return text.length > STDERR_EXCERPT_CHARS ? `…${text.slice(-STDERR_EXCERPT_CHARS)}` : text;
  }
}

/** The server process ended on its own (crash, exit, killed by someone else). */
export function stdioExitError(
  connection: string,
  code: number | null,
  signal: NodeJS.Signals | null,
  inFlight: number,
  stderr: StderrTail,
): AirlockError {
  const how = signal ? `was killed by signal ${signal}` : `exited with code ${code ?? 'unknown'}`;
  const pending =
    inFlight > 0 ? ` while ${inFlight} request${inFlight === 1 ? ' was' : 's were'} in flight` : '';
  const tail = stderr.excerpt();
  return new AirlockError(
    'upstream_failed',
    `The MCP server for connection "${connection}" ${how}${pending}; last stderr: ${tail || '(none)'}; start a new session to retry.`,
    { data: { connection, exitCode: code, signal } },
  );
}

/** The server process could not be started at all. */
export function stdioSpawnError(
  connection: string,
  command: string,
  error: NodeJS.ErrnoException,
): AirlockError {
  const why =
    error.code === 'ENOENT'
      ? `command "${command}" was not found`
      : error.code === 'EACCES'
        ? `command "${command}" is not executable`
        : `command "${command}" failed to start (${error.code ?? error.message})`;
  return new AirlockError(
    'upstream_failed',
    `Could not start the MCP server for connection "${connection}": ${why}. Check "command", "args" and "cwd" of the connection in the agent configuration, and that the command is on the agent's PATH.`,
    { data: { connection, command }, cause: error },
  );
}
