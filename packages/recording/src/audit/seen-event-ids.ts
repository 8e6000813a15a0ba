/**
 * The ids (and hashes) of the most recent events seen, bounded: delivery is at-least-once, and a
 * redelivered event arrives close to its first copy (the producer's retry), so a window of recent
 * ids catches duplicates without memory growing with the stream.
 */
export class SeenEventIds {
  private readonly hashes = new Map<string, string>();

  constructor(private readonly capacity: number) {}

  /** The hash recorded for `id` if it was seen, else undefined (and remembers it now). */
  remember(id: string, hash: string): string | undefined {
    const known = this.hashes.get(id);
    if (known !== undefined) return known;
    this.hashes.set(id, hash);
    if (this.hashes.size > this.capacity) {
      const oldest = this.hashes.keys().next();
      if (!oldest.done) this.hashes.delete(oldest.value);
    }
    return undefined;
  }

  get size(): number {
    return this.hashes.size;
  }
}
