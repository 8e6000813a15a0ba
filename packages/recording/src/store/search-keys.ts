import type { KeyWrapper } from '../crypto/key-wrapper.js';
import { PUBLIC_SEARCH_KEY, TermHasher } from './search-terms.js';
import type { SqlQueryable } from './sql-client.js';

/**
 * The wrapping context of the search key (the "session id" a key wrapper binds: the local key
 * file's AAD, KMS's encryption context), so no session's wrapped key unwraps as it or it as one.
 */
const SEARCH_KEY_CONTEXT = 'airlock-search-terms';
const SEARCH_KEY_NAME = 'search-terms-v1';
/** Present while some terms in the store are under the public key (written without encryption). */
const PUBLIC_TERMS_MARK = 'public-terms';

/**
 * The key of the text search's blind index. Without encryption at rest it is the public key. With
 * encryption the store has one secret search key, generated on first use by the key wrapper
 * (local key file or KMS) and kept wrapped in `recording_search_keys`, shared by every gateway on
 * the store (the first saved wins, like a session's data key).
 *
 * A store holds terms under one key only, so a search is one containment test (with two keys, an
 * OR of two, the planner misjudged rare words and read every session: seconds at 100,000). A store
 * without encryption marks that it wrote public terms; a store with encryption that finds the mark
 * re-indexes the messages stored in clear under its secret key (indexStoredMessages), then clears it.
 */
export class SearchKeys {
  readonly #db: SqlQueryable;
  readonly #wrapper: KeyWrapper | undefined;
  readonly #public = new TermHasher(PUBLIC_SEARCH_KEY);
  #publicMarked: Promise<void> | undefined;
  #secret: Promise<TermHasher> | undefined;

  constructor(db: SqlQueryable, wrapper: KeyWrapper | undefined) {
    this.#db = db;
    this.#wrapper = wrapper;
  }

  get encrypted(): boolean {
    return this.#wrapper !== undefined;
  }

  /** The key new terms are written under. */
  async writing(): Promise<TermHasher> {
    if (this.#wrapper !== undefined) return this.#secretKey(this.#wrapper);
    this.#publicMarked ??= this.#db
      .query(
        `INSERT INTO recording_search_keys (name, wrapped_key) VALUES ($1, '') ON CONFLICT (name) DO NOTHING`,
        [PUBLIC_TERMS_MARK],
      )
      .then(
        () => undefined,
        (error: unknown) => {
          this.#publicMarked = undefined;
          throw error;
        },
      );
    await this.#publicMarked;
    return this.#public;
  }

  /** The key searches look for. */
  async searching(): Promise<TermHasher> {
    return this.#wrapper === undefined ? this.#public : this.#secretKey(this.#wrapper);
  }

  /** Whether an encrypted store still holds terms written under the public key. */
  async publicTermsLeft(): Promise<boolean> {
    if (this.#wrapper === undefined) return false;
    const rows = await this.#db.query('SELECT 1 FROM recording_search_keys WHERE name = $1', [
      PUBLIC_TERMS_MARK,
    ]);
    return rows.length > 0;
  }

  async publicTermsGone(): Promise<void> {
    await this.#db.query('DELETE FROM recording_search_keys WHERE name = $1', [PUBLIC_TERMS_MARK]);
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
