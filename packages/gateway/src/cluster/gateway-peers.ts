import { AirlockError } from '@airlock/core';
import type { GatewayPeer, GatewayPeerStore } from '@airlock/recording';
import type { Logger } from 'pino';

export interface GatewayPeersOptions {
  readonly store: GatewayPeerStore;
  readonly tag: string;
  readonly gatewayId: string;
  readonly internalUrl: string;
  readonly heartbeatMs: number;
  /** A peer whose heartbeat is older than this is gone. */
  readonly peerTimeoutMs: number;
  readonly logger: Logger;
}

/** Re-reads the peer list at most this often when asked for a tag it does not know (a gateway just joined). */
const MISS_REFRESH_MS = 250;

/**
 * This gateway's entry in the shared store, kept alive by a heartbeat, and the other gateways'
 * entries, re-read at every heartbeat. Ages come from the database's clock, so gateways whose
 * clocks drift still agree on who is alive.
 */
export class GatewayPeers {
  readonly #options: GatewayPeersOptions;
  #peers = new Map<string, GatewayPeer>();
  #readAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;

  private constructor(options: GatewayPeersOptions) {
    this.#options = options;
  }

  /** Registers this gateway and starts its heartbeat. */
  static async join(options: GatewayPeersOptions): Promise<GatewayPeers> {
    const peers = new GatewayPeers(options);
    await peers.#register();
    await peers.#refresh();
    peers.#timer = setInterval(() => void peers.#beat(), options.heartbeatMs);
    peers.#timer.unref();
    return peers;
  }

  /** The live gateway that owns sessions tagged `tag`, or undefined when none is (it stopped or died). */
  async ownerOf(tag: string): Promise<GatewayPeer | undefined> {
    let peer = this.#live(tag);
    if (peer === undefined && Date.now() - this.#readAt >= MISS_REFRESH_MS) {
      // The store unreachable: answer from the last list rather than fail every forwarded call.
      await this.#refresh().catch(() => undefined);
      peer = this.#live(tag);
    }
    return peer;
  }

  /** Leaves the cluster: peers answer 404 for this gateway's sessions at once. */
  async leave(): Promise<void> {
    clearInterval(this.#timer);
    await this.#options.store.removePeer(this.#options.tag).catch((error: unknown) => {
      this.#options.logger.warn(
        { reason: (error as Error).message },
        'could not remove this gateway from the peer list; peers treat it as gone once its heartbeat is stale',
      );
    });
  }

  #live(tag: string): GatewayPeer | undefined {
    const peer = this.#peers.get(tag);
    if (peer === undefined) return undefined;
    const ageMs = peer.heartbeatAgeSeconds * 1000 + (Date.now() - this.#readAt);
    return ageMs <= this.#options.peerTimeoutMs ? peer : undefined;
  }

  async #register(): Promise<void> {
    const { store, tag, gatewayId, internalUrl } = this.#options;
    if (!(await store.registerPeer({ tag, gatewayId, internalUrl }))) {
      throw new AirlockError(
        'internal',
        `Another gateway already holds the session tag ${tag} in the shared store; restart this gateway to draw a new one.`,
      );
    }
  }

  async #beat(): Promise<void> {
    try {
      // A row removed behind our back (an operator, a store restore): register again.
      if (!(await this.#options.store.heartbeatPeer(this.#options.tag))) await this.#register();
      await this.#refresh();
    } catch (error) {
      this.#options.logger.warn(
        { reason: (error as Error).message },
        'the gateway heartbeat to the shared store failed; peers will treat this gateway as gone if it keeps failing',
      );
    }
  }

  #refresh(): Promise<void> {
    this.#refreshing ??= this.#options.store
      .listPeers()
      .then((list) => {
        this.#peers = new Map(list.map((p) => [p.tag, p]));
        this.#readAt = Date.now();
      })
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }
}
