import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// The process logger batches its writes to stderr (one write per line cost 6–8 % of a
// relay role's CPU). Batching must lose nothing an operator needs: the lines of a quiet process
// arrive within the flush interval, and the last lines before an exit (clean or not) arrive.
const LOGGER = new URL('../dist/logging/create-logger.js', import.meta.url).href;

function runNode(script: string, waitForMs = 10_000): Promise<{ stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), waitForMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ stderr, code });
    });
  });
}

const messages = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => (JSON.parse(l) as { msg: string }).msg);

describe('createLogger (batched stderr)', () => {
  it('writes every line of a process that exits right after logging', async () => {
    const { stderr, code } = await runNode(
      `import { createLogger } from ${JSON.stringify(LOGGER)};
       const log = createLogger('info');
       for (let i = 0; i < 3; i++) log.info({ i }, 'line ' + i);
       process.exit(0);`,
    );
    expect(code).toBe(0);
    expect(messages(stderr)).toEqual(['line 0', 'line 1', 'line 2']);
  });

  it('writes the last line before an uncaught error ends the process', async () => {
    const { stderr, code } = await runNode(
      `import { createLogger } from ${JSON.stringify(LOGGER)};
       const log = createLogger('info');
       log.warn('about to fail');
       setTimeout(() => { throw new Error('boom'); }, 10);`,
    );
    expect(code).not.toBe(0);
    expect(messages(stderr)).toContain('about to fail');
  });

  it('writes the lines of a quiet process within its flush interval, while it keeps running', async () => {
    // The process stays alive 4 s and is then killed without a chance to flush: only the
    // periodic flush can have written the line.
    const { stderr } = await runNode(
      `import { createLogger } from ${JSON.stringify(LOGGER)};
       const log = createLogger('info');
       log.info('quiet line');
       setInterval(() => {}, 1000);
       setTimeout(() => process.kill(process.pid, 'SIGKILL'), 4000);`,
    );
    expect(messages(stderr)).toEqual(['quiet line']);
  });

  it('stops writing once its lines are out: an idle process makes no writes and runs no timer', async () => {
    // sonic-boom's own periodic flush wrote an empty string to stderr every second, forever; the
    // logger's own flush timer then still woke the process every second to do nothing. The child
    // counts, from 3.5 s to 6.5 s after its only line, the logger's writes to fd 2 (fs.write, which
    // sonic-boom calls) and the runs of every interval timer made after this point (the logger's);
    // the exit flush that writes the counts is synchronous, not counted.
    const { stderr, code } = await runNode(
      `import fs from 'node:fs';
       const write = fs.write;
       let counting = false;
       let writes = 0;
       let ticks = 0;
       fs.write = function (fd, ...rest) {
         if (fd === 2 && counting) writes += 1;
         return write.call(this, fd, ...rest);
       };
       const setInterval = globalThis.setInterval;
       globalThis.setInterval = (callback, ms) =>
         setInterval(() => {
           if (counting) ticks += 1;
           callback();
         }, ms);
       const { createLogger } = await import(${JSON.stringify(LOGGER)});
       const log = createLogger('info');
       log.info('only line');
       setTimeout(() => (counting = true), 3500);
       setTimeout(() => {
         log.info({ writes, ticks }, 'idle');
         process.exit(0);
       }, 6500);`,
    );
    expect(code).toBe(0);
    const lines = stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; writes?: number; ticks?: number });
    expect(lines.map((l) => l.msg)).toEqual(['only line', 'idle']);
    expect(lines[1]).toMatchObject({ writes: 0, ticks: 0 });
  });

  it('writes a line logged after an idle spell within its flush interval, too', async () => {
    // The flush timer stopped while the process was idle; the next line must start it again. The
    // process is killed 1.5 s after that line without a chance to flush.
    const { stderr } = await runNode(
      `import { createLogger } from ${JSON.stringify(LOGGER)};
       const log = createLogger('info');
       log.info('first line');
       setInterval(() => {}, 1000);
       setTimeout(() => log.info('after the idle spell'), 4000);
       setTimeout(() => process.kill(process.pid, 'SIGKILL'), 5500);`,
    );
    expect(messages(stderr)).toEqual(['first line', 'after the idle spell']);
  });
});
