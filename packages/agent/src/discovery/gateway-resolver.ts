import { lookup } from 'node:dns/promises';

/** The addresses a gateway fleet's DNS name resolves to now (IPv4 and IPv6). */
export type GatewayResolver = (host: string) => Promise<string[]>;

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), every address of the name. */
export const systemGatewayResolver: GatewayResolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
