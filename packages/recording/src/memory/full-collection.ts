import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options?: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

let collect: (() => void) | undefined;

/**
 * V8 12 (Node 22) keeps the pages a full collection frees in a pool and gives them back to the
 * system only when its memory reducer runs, 8 s or more later, if at all while the thread stays
 * quiet: measured on Node 22.23, 660 MB of garbage collected left the resident size at 760 MB
 * (Node 20.20: 88 MB a second later). The collection V8 runs when memory is short (`last-resort`)
 * reduces the heap too and gives the pages back at once (63 MB), at about twice the time of a
 * plain one (180-220 ms against 90 ms with 69 MB alive). V8 11 (Node 20) has no such flavor: its
 * `gc` takes the options as no collection at all, and needs none.
 */
const POOLS_FREED_PAGES = Number(process.versions.v8.split('.')[0]) >= 12;

/**
 * A full garbage collection of the calling thread's heap, now, that gives the freed memory back to
 * the system. The embedded store calls it after its one-off start-up work: creating a database
 * runs initdb, a second WebAssembly instance whose memory (hundreds of MB) is garbage once it
 * returns, and V8 would free it only at the store thread's next major collection, which an idle or
 * lightly loaded gateway may not reach for hours. `--expose-gc` set at run time exposes `gc` to
 * contexts created afterwards, hence the new context; it gives that context the thread's own
 * collector (its isolate), so only this thread pauses.
 */
export function fullCollection(): void {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as Collect;
    collect = POOLS_FREED_PAGES
      ? () => gc({ type: 'major', execution: 'sync', flavor: 'last-resort' })
      : () => gc();
  }
  collect();
}
