export { applyCfgOptions, CfgOptionsError, parseCfgOptions, parseValue } from './cfg-options.js';
export { type ConfigFile, type DeepPartial, defineConfig } from './define-config.js';
export { ConfigError } from './errors.js';
export { type LoadConfigOptions, type LoadedConfig, loadConfig } from './load.js';
export { type ConfigObject, deepMerge, type Provenance } from './merge.js';
export * from './schema.js';
