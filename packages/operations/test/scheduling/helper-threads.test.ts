import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HELPER_THREAD_NICE, lowerHelperThreads } from '../../src/index.js';

const run = promisify(execFile);
const operations = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/**
 * A process of its own (so this test runner's threads are left alone): a worker thread that first
 * lowers itself further, as the gateway's store thread does, then the role's call. It prints every
 * thread's nice value from /proc.
 */
const CHILD = `
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
const { keepHelperThreadsLow } = await import(${JSON.stringify(operations)});
const worker = new Worker(
  \`const { parentPort } = require('node:worker_threads');
   require('node:os').setPriority(0, 12);
   parentPort.postMessage('ready');
   setInterval(() => {}, 1000);\`,
  { eval: true, execArgv: [] },
);
await new Promise((resolve) => worker.once('message', resolve));
const stop = await keepHelperThreadsLow();
const nice = (tid) => Number(readFileSync(\`/proc/self/task/\${tid}/stat\`, 'utf8').split(') ')[1].split(' ')[16]);
const threads = readdirSync('/proc/self/task').map((tid) => ({ tid: Number(tid), nice: nice(tid) }));
stop();
await worker.terminate();
console.log(JSON.stringify({ pid: process.pid, threads }));
`;

describe('helper threads at a lower priority', () => {
  it.runIf(process.platform === 'linux')(
    'lowers every thread but the main one, and leaves a thread already lower as it is',
    async () => {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CHILD]);
      const { pid, threads } = JSON.parse(stdout) as {
        pid: number;
        threads: { tid: number; nice: number }[];
      };
      const main = threads.find((t) => t.tid === pid);
      const others = threads.filter((t) => t.tid !== pid);
      expect(main?.nice).toBe(0);
      // V8's helpers, libuv's pool (started by the call), the worker: many threads, none left at 0.
      expect(others.length).toBeGreaterThanOrEqual(6);
      expect(others.filter((t) => t.nice !== HELPER_THREAD_NICE).map((t) => t.nice)).toEqual([12]);
    },
  );

  it('does nothing when called from a worker thread or off Linux', async () => {
    const { Worker } = await import('node:worker_threads');
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       import(${JSON.stringify(operations)}).then((m) => parentPort.postMessage(m.lowerHelperThreads()));`,
      { eval: true },
    );
    const lowered = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(lowered).toBe(0);
    if (process.platform !== 'linux') expect(lowerHelperThreads()).toBe(0);
  });
});
