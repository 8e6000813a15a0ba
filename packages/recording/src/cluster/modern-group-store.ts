/** A modern-era recording group as the shared store holds it. */
export interface ModernGroupLease {
  readonly sessionId: string;
  /** Milliseconds left before its idle deadline, by the database's clock (0 or less: over). */
  readonly remainingMs: number;
}

/** Names one group: its key and the session id a gateway knows it by. */
export interface ModernGroupRef {
  readonly key: string;
  readonly sessionId: string;
}

/**
 * Where the gateways of a cluster agree on modern-era recording groups (see ModernSessionGroups
 * in the gateway): one session id per group key while the group is live, with an idle deadline
 * that each gateway serving the group pushes forward. Deadlines use the database's clock, so
 * gateways whose clocks drift still agree on when a group is over.
 */
export interface ModernGroupStore {
  /**
   * Joins the live group under `key`, or starts it with `sessionId` when there is none (or the
   * last one is past its deadline); either way its deadline becomes at least now + `idleMs`.
   */
  claimModernGroup(key: string, sessionId: string, idleMs: number): Promise<ModernGroupLease>;
  /**
   * Moves the deadline of each group still live under the same session id to at least now +
   * `idleMs` (`idleMs` 0: only reads it). Answers what is left of each by key; a group missing
   * from the answer is over (past its deadline, or replaced by a newer group).
   */
  renewModernGroups(groups: readonly ModernGroupRef[], idleMs: number): Promise<Map<string, number>>;
  /** Deletes groups whose deadline passed more than `graceMs` ago; answers how many. */
  purgeModernGroups(graceMs: number): Promise<number>;
}
