/** A running gateway as its peers see it in the shared store. */
export interface GatewayPeer {
  /** The prefix of the 2025-era session ids this gateway issues (unique among running gateways). */
  readonly tag: string;
  readonly gatewayId: string;
  /** Where peers forward this gateway's sessions' requests (its internal listener). */
  readonly internalUrl: string;
  /** Seconds since its last heartbeat, by the database's clock (gateways' clocks may drift). */
  readonly heartbeatAgeSeconds: number;
}

/** The gateways sharing one store, by heartbeat. */
export interface GatewayPeerStore {
  /** Registers (or re-registers) a gateway under `tag`; false when another gateway holds the tag. */
  registerPeer(peer: { tag: string; gatewayId: string; internalUrl: string }): Promise<boolean>;
  /** Marks the gateway alive now; false when its row is gone (e.g. removed as stale): register again. */
  heartbeatPeer(tag: string): Promise<boolean>;
  /** Every registered gateway with the age of its heartbeat. */
  listPeers(): Promise<GatewayPeer[]>;
  /** A stopping gateway leaves, so its peers answer 404 for its sessions at once. */
  removePeer(tag: string): Promise<void>;
}
