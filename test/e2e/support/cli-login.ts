import { completeBrowserLogin, spawnNode, type NodeProcess } from '@airlock/testkit';

/** The `airlock` binary as built. */
export const AIRLOCK_CLI = new URL('../../../packages/cli/dist/main.js', import.meta.url).pathname;

export interface CliLoginInput {
  readonly gateway: string;
  readonly flow: 'device' | 'browser';
  readonly username: string;
  readonly password: string;
  readonly connections?: readonly string[];
  /** Must hold AIRLOCK_HOME; CI=true keeps a real browser from opening. */
  readonly env: Record<string, string>;
}

async function waitForStderr(
  child: NodeProcess,
  pattern: RegExp,
  timeoutMs = 20_000,
): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(child.stderr());
    if (match !== null) return match;
    if (Date.now() > deadline)
      throw new Error(`no ${pattern} on stderr of airlock login:\n${child.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * `airlock login` with the person's part scripted: for the device flow, read the printed URL and
 * code and complete them over HTTP; for the browser flow, follow the printed URL through the login
 * form to the CLI's loopback redirect.
 */
export async function cliLogin(input: CliLoginInput): Promise<NodeProcess> {
  const args = ['login', '--gateway', input.gateway, `--${input.flow}`];
  for (const c of input.connections ?? []) args.push('--connection', c);
  const child = spawnNode(AIRLOCK_CLI, args, { env: { CI: 'true', ...input.env } });
  if (input.flow === 'device') {
    const [, uri, code] = await waitForStderr(child, /open (\S+) and enter the code (\S+)/);
    await completeBrowserLogin(uri as string, {
      username: input.username,
      password: input.password,
      userCode: code as string,
    });
  } else {
    const [, url] = await waitForStderr(child, /in your browser to log in:\n\s+(\S+)/);
    await completeBrowserLogin(url as string, { username: input.username, password: input.password });
  }
  const { code } = await child.exited;
  if (code !== 0) throw new Error(`airlock login exited ${code}:\n${child.stderr()}`);
  return child;
}
