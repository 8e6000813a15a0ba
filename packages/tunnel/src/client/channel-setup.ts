import * as grpc from '@grpc/grpc-js';

export interface TunnelClientTls {
  /** CA bundle that signed the gateway's certificate; absent = the system roots. */
  readonly ca?: Buffer | undefined;
  /** TLS server name to verify, when it differs from the host in the address. */
  readonly serverName?: string | undefined;
  /** Client certificate and key, for gateways that require mTLS. */
  readonly cert?: Buffer | undefined;
  readonly key?: Buffer | undefined;
}

export function channelCredentials(tls: TunnelClientTls): grpc.ChannelCredentials {
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new Error('tunnel TLS: a client certificate needs its key, and a key its certificate');
  }
  return grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
}

export function channelOptions(tls: TunnelClientTls): grpc.ChannelOptions {
  return {
    // HTTP/2 pings keep the flow alive through NAT: AWS NAT gateways drop flows idle for 350 s, and
    // a dead path is noticed within keepalive_time + keepalive_timeout instead of at the next write.
    // The gateway's server options permit this rate (TunnelServer).
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    // Tunnel calls are long-lived streams the agent re-opens itself; gRPC retries would only keep a
    // per-call copy of the first 1 MiB written, defeating the stream's backpressure.
    'grpc.enable_retries': 0,
    // Each connection attempt builds a new client; with grpc-js's shared subchannel pool the
    // attempts to one address would also share its backoff, which grows to 120 s, so a gateway that
    // joins (or comes back) would wait that long. A local pool leaves the pace to the agent's own
    // reconnect policy (agent.reconnect).
    'grpc.use_local_subchannel_pool': 1,
    ...(tls.serverName
      ? { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName }
      : {}),
  };
}
