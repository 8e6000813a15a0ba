import type { MessageDigest } from './message-digest.js';

interface Queue {
  readonly items: MessageDigest[];
  head: number;
}

/**
 * One side's messages waiting to be matched, in record order, each taken at most once. Looks up
 * the first untaken one by JSON-RPC id, or by id and a second key (method, outcome), in amortised
 * constant time: a session reusing one id for every request (stateless requests each start again
 * at 1) would make a scan per lookup quadratic.
 *
 * Ids are Map keys, which compare like `===` for JSON values (1 and "1" differ, null is null; two
 * object ids, which JSON-RPC forbids, never match), so a match here is the `===` match.
 */
export class CandidatePool<K> {
  readonly #items: readonly MessageDigest[];
  readonly #byId = new Map<unknown, Queue>();
  readonly #byIdAndKey = new Map<unknown, Map<K, Queue>>();
  readonly #taken = new Set<MessageDigest>();

  constructor(items: readonly MessageDigest[], key: (item: MessageDigest) => K) {
    this.#items = items;
    for (const item of items) {
      enqueue(this.#byId, item.jsonRpcId, item);
      let byKey = this.#byIdAndKey.get(item.jsonRpcId);
      if (byKey === undefined) {
        byKey = new Map();
        this.#byIdAndKey.set(item.jsonRpcId, byKey);
      }
      enqueue(byKey, key(item), item);
    }
  }

  /** The first untaken candidate with this id (and, when given, this key). */
  first(id: unknown, ...key: [K] | []): MessageDigest | undefined {
    const queue = key.length === 0 ? this.#byId.get(id) : this.#byIdAndKey.get(id)?.get(key[0]);
    if (queue === undefined) return undefined;
    while (queue.head < queue.items.length && this.#taken.has(queue.items[queue.head]!)) queue.head += 1;
    return queue.items[queue.head];
  }

  take(item: MessageDigest): void {
    this.#taken.add(item);
  }

  /** The candidates never taken, in record order. */
  *untaken(): Generator<MessageDigest> {
    for (const item of this.#items) if (!this.#taken.has(item)) yield item;
  }
}

function enqueue<K>(queues: Map<K, Queue>, key: K, item: MessageDigest): void {
  const queue = queues.get(key);
  if (queue === undefined) queues.set(key, { items: [item], head: 0 });
  else queue.items.push(item);
}
