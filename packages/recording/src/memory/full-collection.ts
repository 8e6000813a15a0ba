import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

/**
 * A full garbage collection of the calling thread's heap, now. The embedded store calls it after
 * its one-off start-up work: creating a database runs initdb, a second WebAssembly instance whose
 * memory (hundreds of MB) is garbage once it returns, and V8 would free it only at the store
 * thread's next major collection, which an idle or lightly loaded gateway may not reach for hours.
 * `--expose-gc` set at run time exposes `gc` to contexts created afterwards, hence the new context;
 * it gives that context the thread's own collector (its isolate), so only this thread pauses.
 */
export function fullCollection(): void {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}
