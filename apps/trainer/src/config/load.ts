// Loading a config file: its `_base_` files merged under it, `--cfg-options` and the model
// preset applied, then validation whose errors name the file that set each bad field.

import { existsSync } from 'node:fs';
import { basename, dirname, extname, relative, resolve } from 'node:path';
import { type ConfigObject, deepMerge, isPlainObject, type Provenance, sourceOf } from '@crat/core';
import { createJiti } from 'jiti';
import type { z } from 'zod';
import { applyCfgOptions, parseCfgOptions } from './cfg-options.js';
import { defineConfig } from './define-config.js';
import { ConfigError } from './errors.js';
import { expandModelPreset } from './model-preset.js';
import { type CratConfig, configSchema } from './schema.js';

export interface LoadConfigOptions {
  /** `--cfg-options` pairs (`a.b=1`), applied after every file. */
  cfgOptions?: readonly string[];
  /** Paths in messages are shown relative to this folder (default: the working directory). */
  cwd?: string;
}

export interface LoadedConfig {
  config: CratConfig;
  /** Absolute path of the config file loaded. */
  file: string;
  /** Every file that went into it, bases first. */
  files: string[];
  /** The merged config before validation (what was written, without defaults). */
  raw: ConfigObject;
}

const CFG_OPTIONS_SOURCE = '--cfg-options';

/**
 * Load a TypeScript (or JS/JSON) config file: import it, merge its `_base_` files under
 * it (in order, recursively; objects merge, arrays replace), apply `--cfg-options`, fill
 * defaults and validate. Every error names the file and the field.
 */
export async function loadConfig(
  file: string,
  options: LoadConfigOptions = {},
): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const abs = resolve(cwd, file);
  const show = (f: string) => (f === CFG_OPTIONS_SOURCE ? f : relative(cwd, f) || f);
  const provenance: Provenance = new Map();
  const files: string[] = [];
  let raw = (await resolveFile(abs, [], provenance, files, show)) as ConfigObject;

  if (options.cfgOptions && options.cfgOptions.length > 0) {
    const parsed = parseCfgOptions(options.cfgOptions);
    try {
      raw = applyCfgOptions(raw, parsed);
    } catch (err) {
      throw new ConfigError(`${show(abs)}: ${(err as Error).message}`, abs);
    }
    for (const key of parsed.keys()) provenance.set(key, CFG_OPTIONS_SOURCE);
  }

  let expanded: ConfigObject;
  try {
    expanded = expandModelPreset(raw);
  } catch (err) {
    const source = sourceOf(provenance, ['model', 'preset']) ?? abs;
    throw new ConfigError(
      `${show(source)}: model.preset: ${(err as Error).message}`,
      source,
      'model.preset',
    );
  }
  const result = configSchema.safeParse(expanded, { reportInput: true });
  if (!result.success) {
    throw validationError(result.error, abs, provenance, show);
  }
  const config = result.data;
  config.workDir ??= resolve(cwd, 'work_dirs', basename(abs, extname(abs)));
  return { config, file: abs, files, raw };
}

async function resolveFile(
  file: string,
  chain: string[],
  provenance: Provenance,
  files: string[],
  show: (f: string) => string,
): Promise<ConfigObject> {
  if (chain.includes(file)) {
    throw new ConfigError(
      `${show(file)}: _base_ cycle: ${[...chain, file].map(show).join(' -> ')}`,
      file,
      '_base_',
    );
  }
  const content = await importConfigFile(file, chain.at(-1), show);
  const bases = content._base_ === undefined ? [] : content._base_;
  const baseList = typeof bases === 'string' ? [bases] : bases;
  if (!Array.isArray(baseList) || baseList.some((b) => typeof b !== 'string')) {
    throw new ConfigError(
      `${show(file)}: _base_: expected a path or a list of paths`,
      file,
      '_base_',
    );
  }
  let merged: unknown = {};
  for (const base of baseList as string[]) {
    const baseFile = resolve(dirname(file), base);
    const baseContent = await resolveFile(baseFile, [...chain, file], provenance, files, show);
    // Provenance of the base's own keys was recorded while resolving it; merging into
    // the accumulated result records again under the same names.
    merged = deepMerge(merged, baseContent, undefined);
  }
  const { _base_: _ignored, ...own } = content;
  merged = deepMerge(merged, own, provenance, file);
  files.push(file);
  return merged as ConfigObject;
}

async function importConfigFile(
  file: string,
  from: string | undefined,
  show: (f: string) => string,
): Promise<ConfigObject> {
  if (!existsSync(file)) {
    const msg = from
      ? `${show(from)}: _base_ '${show(file)}' does not exist`
      : `config file '${show(file)}' does not exist`;
    throw new ConfigError(msg, from ?? file, from ? '_base_' : undefined);
  }
  const jiti = createJiti(import.meta.url, {
    moduleCache: false,
    fsCache: false,
    // Config files `import { defineConfig } from '@crat/trainer'`: hand them this very
    // function, so configs load the same from src/, dist/ or an installed package,
    // without importing the whole trainer (and TF.js) into the config.
    virtualModules: { '@crat/trainer': { defineConfig } },
  });
  let mod: unknown;
  try {
    mod = await jiti.import(file, { default: true });
  } catch (err) {
    throw new ConfigError(`${show(file)}: cannot load: ${(err as Error).message}`, file);
  }
  if (!isPlainObject(mod)) {
    throw new ConfigError(
      `${show(file)}: the default export must be a config object (export default defineConfig({...}))`,
      file,
    );
  }
  return mod;
}

function validationError(
  error: z.ZodError,
  topFile: string,
  provenance: Provenance,
  show: (f: string) => string,
): ConfigError {
  // Fields a file set wrongly come first; fields nobody set follow.
  const entries: { field: string; source: string; message: string; missing: boolean }[] = [];
  for (const issue of error.issues) {
    const paths =
      issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    for (const p of paths) {
      const field = p.map(String).join('.') || '(root)';
      const source = sourceOf(provenance, p.map(String)) ?? topFile;
      const missing = issue.code === 'invalid_type' && issue.input === undefined;
      const message =
        issue.code === 'unrecognized_keys'
          ? 'unknown field'
          : missing
            ? `required, but neither ${show(topFile)} nor its _base_ files set it`
            : issue.message;
      entries.push({ field, source, message, missing });
    }
  }
  entries.sort((a, b) => Number(a.missing) - Number(b.missing));
  const lines = entries.map((e) => `${show(e.source)}: ${e.field}: ${e.message}`);
  const first = entries[0];
  const head = `invalid config ${show(topFile)}`;
  return new ConfigError(
    `${head}\n  ${lines.join('\n  ')}`,
    first?.source ?? topFile,
    first?.field,
  );
}
