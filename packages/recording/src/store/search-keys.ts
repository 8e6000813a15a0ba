import type { KeyWrapper } from '../crypto/key-wrapper.js';
import { PUBLIC_SEARCH_KEY, TermHasher } from './search-terms.js';
import type { SqlQueryable } from './sql-client.js';

/**
 * The wrapping context of the search key (the "session id" a key wrapper binds: the local key
 * file's AAD, KMS's encryption context), so no session's wrapped key unwraps as it or it as one.
 */
const SEARCH_KEY_CONTEXT = 'airlock-search-terms';
const SEARCH_KEY_NAME = 'search-terms-v1';

/**
 * The keys of the text search's blind index. With encryption at rest the store has one secret
 * search key, generated on first use by the key wrapper (local key file or KMS) and kept wrapped
 * in `recording_search_keys`, shared by every gateway on the store (the first saved wins, like a
 * session's data key). New terms are written under it. Searches look for terms under it and under
 * the public key, which is what stores without encryption (and so messages stored before
 * encryption was turned on) use.
 */
export class SearchKeys {
  readonly #db: SqlQueryable;
  readonly #wrapper: KeyWrapper | undefined;
  readonly #public = new TermHasher(PUBLIC_SEARCH_KEY);
  #secret: Promise<TermHasher> | undefined;

  constructor(db: SqlQueryable, wrapper: KeyWrapper | undefined) {
    this.#db = db;
    this.#wrapper = wrapper;
  }

  /** The key new terms are written under. */
  async writing(): Promise<TermHasher> {
    return this.#wrapper === undefined ? this.#public : this.#secretKey(this.#wrapper);
  }

  /** Every key terms may have been written under. */
  async searching(): Promise<TermHasher[]> {
    return this.#wrapper === undefined
      ? [this.#public]
      : [await this.#secretKey(this.#wrapper), this.#public];
  }

  #secretKey(wrapper: KeyWrapper): Promise<TermHasher> {
    if (this.#secret === undefined) {
      const pending = this.#loadOrCreate(wrapper).then((key) => new TermHasher(key));
      this.#secret = pending;
      pending.catch(() => {
        if (this.#secret === pending) this.#secret = undefined;
      });
    }
    return this.#secret;
  }

  async #loadOrCreate(wrapper: KeyWrapper): Promise<Buffer> {
    const stored = await this.#stored();
    if (stored !== undefined) return wrapper.unwrap(stored, SEARCH_KEY_CONTEXT);
    const generated = await wrapper.generate(SEARCH_KEY_CONTEXT);
    await this.#db.query(
      `INSERT INTO recording_search_keys (name, wrapped_key) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
      [SEARCH_KEY_NAME, generated.wrapped],
    );
    const winner = await this.#stored();
    return winner === undefined || winner === generated.wrapped
      ? generated.dataKey
      : wrapper.unwrap(winner, SEARCH_KEY_CONTEXT);
  }

  async #stored(): Promise<string | undefined> {
    const rows = await this.#db.query<{ wrapped_key: string }>(
      'SELECT wrapped_key FROM recording_search_keys WHERE name = $1',
      [SEARCH_KEY_NAME],
    );
    return rows[0]?.wrapped_key;
  }
}
