import type { AirlockConfig } from '@airlock/core';

/**
 * Returns the configuration with every file path resolved against the config file's folder,
 * so `certFile: tls/gateway.crt` means the same wherever the process was started.
 */
export function resolveConfigPaths(
  config: AirlockConfig,
  resolvePath: (path: string) => string,
): AirlockConfig {
  const copy = structuredClone(config) as { -readonly [K in keyof AirlockConfig]: AirlockConfig[K] };
  const gateway = copy.gateway;
  if (gateway) {
    const tls = gateway.tunnel.tls;
    tls.certFile = resolvePath(tls.certFile);
    tls.keyFile = resolvePath(tls.keyFile);
    if (tls.clientCaFile) tls.clientCaFile = resolvePath(tls.clientCaFile);
    if (gateway.tls) {
      gateway.tls.certFile = resolvePath(gateway.tls.certFile);
      gateway.tls.keyFile = resolvePath(gateway.tls.keyFile);
    }
    if (gateway.dataDir) gateway.dataDir = resolvePath(gateway.dataDir);
    if (gateway.enrollment.file) gateway.enrollment.file = resolvePath(gateway.enrollment.file);
    for (const w of gateway.approvals.webhooks) if (w.secretFile) w.secretFile = resolvePath(w.secretFile);
  }
  const agent = copy.agent;
  if (agent) {
    if (agent.tokenFile) agent.tokenFile = resolvePath(agent.tokenFile);
    if (agent.dataDir) agent.dataDir = resolvePath(agent.dataDir);
    if (agent.masking?.hashKeyFile) agent.masking.hashKeyFile = resolvePath(agent.masking.hashKeyFile);
    for (const g of agent.gateways) if (g.caFile) g.caFile = resolvePath(g.caFile);
    for (const c of Object.values(agent.connections))
      if (c.transport === 'stdio' && c.cwd) c.cwd = resolvePath(c.cwd);
  }
  const { spool, store, encryption } = copy.recording;
  if (spool.dir) spool.dir = resolvePath(spool.dir);
  if (store.dataDir) store.dataDir = resolvePath(store.dataDir);
  if (store.connectionStringFile) store.connectionStringFile = resolvePath(store.connectionStringFile);
  if (encryption?.keyFile) encryption.keyFile = resolvePath(encryption.keyFile);
  return copy;
}
