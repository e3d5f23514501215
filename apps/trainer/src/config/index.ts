// The trainer's config as the package exports it: the schema, `defineConfig`, loading with
// `_base_` merging, `--cfg-options`, and the config error.

export type { DeepPartial } from '@crat/core';
export { type ConfigObject, deepMerge, type Provenance } from '@crat/core';
export { applyCfgOptions, CfgOptionsError, parseCfgOptions, parseValue } from './cfg-options.js';
export { type ConfigFile, defineConfig } from './define-config.js';
export { ConfigError } from './errors.js';
export { type LoadConfigOptions, type LoadedConfig, loadConfig } from './load.js';
export * from './schema.js';
