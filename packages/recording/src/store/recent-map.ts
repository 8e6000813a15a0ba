/**
 * A map that remembers what was used recently, in two generations: entries are set into the
 * current one; when it is full it becomes the previous one (the one before is dropped whole); a
 * hit in the previous generation is carried into the current. Holds at most 2 × `perGeneration`
 * entries. Unlike a least-recently-used map, a hit in the current generation does no bookkeeping
 * at all (an LRU deletes and re-inserts the key on every hit: measured 4.7 % of the store
 * thread's CPU when the search terms' hashes were cached in one).
 */
export class RecentMap<K, V> {
  readonly #perGeneration: number;
  #current = new Map<K, V>();
  #previous = new Map<K, V>();

  constructor(perGeneration: number) {
    this.#perGeneration = Math.max(1, perGeneration);
  }

  get(key: K): V | undefined {
    const value = this.#current.get(key);
    if (value !== undefined) return value;
    const older = this.#previous.get(key);
    if (older !== undefined) this.set(key, older);
    return older;
  }

  set(key: K, value: V): void {
    if (this.#current.size >= this.#perGeneration && !this.#current.has(key)) {
      this.#previous = this.#current;
      this.#current = new Map();
    }
    this.#current.set(key, value);
  }

  clear(): void {
    this.#current.clear();
    this.#previous.clear();
  }
}
