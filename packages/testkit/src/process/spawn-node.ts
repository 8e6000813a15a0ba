import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface SpawnNodeOptions {
  /** Added to (and overriding) the parent's environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** The node binary; defaults to the one running this process. */
  execPath?: string;
  /** Grace period between SIGTERM and SIGKILL in kill(). Default 2000 ms. */
  killGraceMs?: number;
}

export interface WaitForLineOptions {
  /** Default 10 000 ms. */
  timeoutMs?: number;
}

export interface NodeProcess {
  child: ChildProcess;
  /** Every stdout line seen so far. */
  readonly stdoutLines: readonly string[];
  /** Everything written to stderr so far (for failure messages). */
  stderr(): string;
  /** Yields stdout lines from the first one, then live ones, until stdout closes. */
  lines(): AsyncIterableIterator<string>;
  /** Resolves with the first stdout line (past or future) that matches; rejects on exit or timeout. */
  waitForLine(predicate: (line: string) => boolean, options?: WaitForLineOptions): Promise<string>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after the grace period; resolves once the process is gone. Idempotent. */
  kill(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

// A test that throws before its cleanup must not leave servers running: kill the survivors when
// this process exits (synchronously — 'exit' handlers cannot wait).
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** Runs `node scriptPath ...args` with piped stdio, tracked so it is always cleaned up. */
export function spawnNode(
  scriptPath: string,
  args: string[] = [],
  options: SpawnNodeOptions = {},
): NodeProcess {
  installExitHook();
  const child = spawn(options.execPath ?? process.execPath, [scriptPath, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
  live.add(child);

  const stdoutLines: string[] = [];
  const listeners = new Set<() => void>();
  let stdoutClosed = false;
  let stderrText = '';
  const notify = (): void => {
    for (const listener of listeners) listener();
  };

  createInterface({ input: child.stdout! })
    .on('line', (line) => {
      stdoutLines.push(line);
      notify();
    })
    .on('close', () => {
      stdoutClosed = true;
      notify();
    });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderrText += chunk;
  });

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
      notify();
    });
    child.once('error', () => {
      live.delete(child);
      resolve({ code: null, signal: null });
      notify();
    });
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  async function* lines(): AsyncIterableIterator<string> {
    let next = 0;
    for (;;) {
      while (next < stdoutLines.length) yield stdoutLines[next++]!;
      if (stdoutClosed) return;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          listeners.delete(wake);
          resolve();
        };
        listeners.add(wake);
      });
    }
  }

  function waitForLine(
    predicate: (line: string) => boolean,
    waitOptions: WaitForLineOptions = {},
  ): Promise<string> {
    const timeoutMs = waitOptions.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      let scanned = 0;
      const finish = (fn: () => void): void => {
        clearTimeout(timer);
        listeners.delete(check);
        fn();
      };
      const check = (): void => {
        for (; scanned < stdoutLines.length; scanned++) {
          const line = stdoutLines[scanned]!;
          if (predicate(line)) return finish(() => resolve(line));
        }
        if (hasExited || stdoutClosed) {
          finish(() =>
            reject(
              new Error(`${scriptPath} exited before printing the expected line; stderr:\n${stderrText}`),
            ),
          );
        }
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new Error(
                `timed out after ${timeoutMs} ms waiting for a line from ${scriptPath}; stderr:\n${stderrText}`,
              ),
            ),
          ),
        timeoutMs,
      );
      listeners.add(check);
      check();
    });
  }

  let killing: Promise<void> | undefined;
  function kill(): Promise<void> {
    killing ??= (async () => {
      if (hasExited) return;
      child.kill('SIGTERM');
      const grace = new Promise<'timeout'>((resolve) => {
        const timer = setTimeout(() => resolve('timeout'), options.killGraceMs ?? 2_000);
        void exited.then(() => clearTimeout(timer));
      });
      if ((await Promise.race([exited, grace])) === 'timeout') child.kill('SIGKILL');
      await exited;
    })();
    return killing;
  }

  return {
    child,
    get stdoutLines() {
      return stdoutLines;
    },
    stderr: () => stderrText,
    lines,
    waitForLine,
    exited,
    kill,
  };
}
