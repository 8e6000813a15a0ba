import type { EnrollmentRecord } from './enrollment-file.js';

/**
 * Where agents enrolled with `airlock agents create` are kept: the enrollment file (one gateway,
 * embedded store) or the shared PostgreSQL store (several gateways: a revocation on one reaches all).
 */
export interface EnrollmentSource {
  /** The enrollment file's path; undefined when the enrollments live in the shared store. */
  readonly path?: string | undefined;
  readonly records: readonly EnrollmentRecord[];
  /** Calls `onChange` when someone else (another gateway, an operator) changes the enrollments. */
  watch(onChange: (records: readonly EnrollmentRecord[]) => void): void;
  /** Applies `change` to the newest enrollments and stores the result; `change` may throw to refuse. */
  update<T>(change: (records: EnrollmentRecord[]) => T): Promise<T>;
  close(): void;
}
