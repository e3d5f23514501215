// `defineConfig`: the typed identity that config files export.

import type { DeepPartial } from '@crat/core';
import type { CratConfigInput } from './schema.js';

/** What a config file exports: part of a config, completed by its `_base_` files. */
export type ConfigFile = DeepPartial<CratConfigInput> & {
  /** Config files merged under this one, in order, paths relative to this file. */
  _base_?: string | string[];
};

/**
 * Identity, typed: `export default defineConfig({ _base_: ['../_base_/x.ts'], loss: { type: 'eqlv2' } })`
 * gives editor completion and type errors in config files. Validation of the merged
 * result happens when the config is loaded.
 */
export function defineConfig(config: ConfigFile): ConfigFile {
  return config;
}
