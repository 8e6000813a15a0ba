import { MAX_PENDING_SIGN_INS, type ConsoleRecordKind, type ConsoleSessionStore } from '@airlock/recording';

/**
 * Console records in this gateway's memory, for a gateway without a recording store: a restart
 * signs everyone out, and behind a load balancer a browser must stay on one gateway.
 */
export class MemoryConsoleRecords implements ConsoleSessionStore {
  private readonly records = new Map<
    string,
    { kind: ConsoleRecordKind; sealed: string; expiresAt: number }
  >();

  saveConsoleRecord(kind: ConsoleRecordKind, key: string, sealed: string, expiresAt: Date): Promise<void> {
    const now = Date.now();
    let pending = 0;
    for (const [k, r] of this.records) {
      if (r.expiresAt <= now) this.records.delete(k);
      else if (r.kind === 'sign_in') pending += 1;
    }
    if (kind === 'sign_in' && pending >= MAX_PENDING_SIGN_INS) {
      // Insertion order: the first sign-in found is the oldest.
      for (const [k, r] of this.records) {
        if (r.kind === 'sign_in') {
          this.records.delete(k);
          break;
        }
      }
    }
    this.records.set(key, { kind, sealed, expiresAt: expiresAt.getTime() });
    return Promise.resolve();
  }

  loadConsoleRecord(kind: ConsoleRecordKind, key: string): Promise<string | undefined> {
    const record = this.records.get(key);
    if (record === undefined || record.kind !== kind) return Promise.resolve(undefined);
    return Promise.resolve(record.expiresAt > Date.now() ? record.sealed : undefined);
  }

  takeConsoleRecord(kind: ConsoleRecordKind, key: string): Promise<string | undefined> {
    const record = this.records.get(key);
    if (record === undefined || record.kind !== kind) return Promise.resolve(undefined);
    this.records.delete(key);
    return Promise.resolve(record.expiresAt > Date.now() ? record.sealed : undefined);
  }
}
