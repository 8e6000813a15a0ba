export { createLogger } from './logging/create-logger.js';
export { loadConfig, type LoadedConfig } from './config/load-config.js';
export { resolveConfigPaths } from './config/resolve-paths.js';
