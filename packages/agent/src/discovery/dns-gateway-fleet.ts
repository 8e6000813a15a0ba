import type { AgentConfig } from '@airlock/core';
import type { Logger } from 'pino';
import type { AgentTunnel } from '../agent.js';
import type { GatewayResolver } from './gateway-resolver.js';

type GatewayEntry = AgentConfig['gateways'][number];

export interface DnsGatewayFleetOptions {
  /** The configured entry: `address` is `<dns name>:<port>`, `dns` is set. */
  readonly entry: GatewayEntry;
  readonly resolve: GatewayResolver;
  /** Dials one gateway (one resolved address). */
  readonly dial: (gateway: GatewayEntry) => AgentTunnel;
  readonly logger: Logger;
}

function splitAddress(address: string): { host: string; port: string } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: address.slice(at + 1) };
}

/**
 * Every gateway behind one DNS name: a tunnel per address the name resolves to, re-resolved
 * periodically. A new address is dialled at once. An address gone from DNS is closed once its
 * tunnel is down (a gateway still answering is still a gateway: a DNS answer that briefly lists
 * fewer addresses must not cut live sessions).
 */
export class DnsGatewayFleet {
  readonly #options: DnsGatewayFleetOptions;
  readonly #host: string;
  readonly #port: string;
  readonly #tunnels = new Map<string, AgentTunnel>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: DnsGatewayFleetOptions) {
    this.#options = options;
    const { host, port } = splitAddress(options.entry.address);
    this.#host = host;
    this.#port = port;
  }

  /** Resolves once (a failure is logged and retried at the next refresh) and starts refreshing. */
  async start(): Promise<void> {
    await this.refresh();
    const seconds = this.#options.entry.dns?.refreshSeconds ?? 30;
    this.#timer = setInterval(() => void this.refresh(), seconds * 1000);
    this.#timer.unref();
  }

  get tunnels(): AgentTunnel[] {
    return [...this.#tunnels.values()];
  }

  /** The addresses dialled now (`ip:port`). */
  get addresses(): string[] {
    return [...this.#tunnels.keys()];
  }

  async refresh(): Promise<void> {
    let resolved: string[];
    try {
      resolved = await this.#options.resolve(this.#host);
    } catch (error) {
      this.#options.logger.warn(
        { name: this.#host, reason: (error as Error).message },
        'could not resolve the gateway fleet name; keeping the gateways dialled now and trying again later',
      );
      return;
    }
    if (this.#closed) return;
    const wanted = new Set(
      resolved.map((ip) => (ip.includes(':') ? `[${ip}]:${this.#port}` : `${ip}:${this.#port}`)),
    );
    for (const address of wanted) {
      if (this.#tunnels.has(address)) continue;
      this.#options.logger.info(
        { name: this.#host, gateway: address },
        'a gateway joined the fleet; dialling it',
      );
      const { dns: _dns, ...entry } = this.#options.entry;
      this.#tunnels.set(
        address,
        this.#options.dial({ ...entry, address, serverName: entry.serverName ?? this.#host }),
      );
    }
    for (const [address, tunnel] of this.#tunnels) {
      if (wanted.has(address) || tunnel.connected === true) continue;
      this.#options.logger.info(
        { name: this.#host, gateway: address },
        'a gateway left the fleet; no longer dialling it',
      );
      this.#tunnels.delete(address);
      await tunnel.close();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    const tunnels = [...this.#tunnels.values()];
    this.#tunnels.clear();
    await Promise.allSettled(tunnels.map((t) => t.close()));
  }
}
