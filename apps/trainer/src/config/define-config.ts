import type { CratConfigInput } from './schema.js';

/**
 * Every field optional, recursively, except inside arrays: arrays replace the base's
 * array whole when merged, so an array given in a child must be complete.
 */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> } & {
        /** Replace the base's value at this key instead of merging into it (mmengine's `_delete_`). */
        _delete_?: boolean;
      }
    : T;

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
