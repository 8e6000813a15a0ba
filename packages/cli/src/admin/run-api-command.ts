import { AirlockError } from '@airlock/core/client';

/**
 * Runs one command against the gateway's API and prints what it returns (if anything); a refusal
 * prints the gateway's explanation on stderr and sets exit code 1.
 */
export async function runApiCommand(work: () => Promise<string | void>): Promise<void> {
  try {
    const text = await work();
    if (text) process.stdout.write(text);
  } catch (error) {
    process.stderr.write(`airlock: ${AirlockError.from(error).message}\n`);
    process.exitCode = 1;
  }
}
