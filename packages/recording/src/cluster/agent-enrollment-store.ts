/** An agent enrolled with `airlock agents create`: the hash of its token, never the token. */
export interface StoredEnrollment {
  id: string;
  tokenSha256: string;
  connections: string[];
  createdAt: string;
  createdBy: string;
  revokedAt?: string;
  revokedBy?: string;
}

/** Enrolled agents in the shared store, so every gateway on it admits and revokes the same agents. */
export interface AgentEnrollmentStore {
  listEnrollments(): Promise<StoredEnrollment[]>;
  /**
   * Applies `change` to the current enrollments and stores the result, in one transaction that
   * locks out other gateways' changes. `change` may throw to refuse (nothing is written).
   */
  updateEnrollments<T>(change: (records: StoredEnrollment[]) => T): Promise<T>;
}
