export {
  createVaultServer,
  RUG_PULL_DESCRIPTION,
  VAULT_CUSTOMER,
  WEATHER_DESCRIPTION,
} from './vault-server.js';

/** The vault server's stdio entry point, for a connection's `command`/`args`. */
export const VAULT_STDIO_BIN = new URL('./vault-stdio.js', import.meta.url).pathname;
