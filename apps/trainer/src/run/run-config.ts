// What a run was trained from, recorded as `<workDir>/config.json` with absolute paths, for
// `crat report` and `crat test`.

import { join, resolve } from 'node:path';
import { writeJsonAtomic } from '@crat/core';
import type { LoadedConfig } from '../config/load.js';
import type { CratConfig } from '../config/schema.js';

/** The config with every dataset path made absolute (relative ones are taken from `cwd`). */
export function absoluteDatasetPaths(cfg: CratConfig, cwd = process.cwd()): CratConfig {
  const split = (s: { annFile: string; imgDir: string }) => ({
    annFile: resolve(cwd, s.annFile),
    imgDir: resolve(cwd, s.imgDir),
  });
  const d = cfg.dataset;
  return {
    ...cfg,
    dataset: {
      ...d,
      train: split(d.train),
      val: split(d.val),
      ...(d.test ? { test: split(d.test) } : {}),
      ...(d.minival ? { minival: split(d.minival) } : {}),
      ...(d.synth ? { synth: { ...d.synth, outDir: resolve(cwd, d.synth.outDir) } } : {}),
    },
    ...(cfg.loadFrom ? { loadFrom: resolve(cwd, cfg.loadFrom) } : {}),
  };
}

/**
 * Record what a run was trained from as `<workDir>/config.json`: the config file, the
 * files merged into it, the `--cfg-options`, and the validated config with absolute paths
 * (`crat report` and `crat test` read it).
 */
export async function writeRunConfig(
  workDir: string,
  loaded: LoadedConfig,
  cfgOptions: readonly string[] = [],
  cwd = process.cwd(),
): Promise<string> {
  const path = join(workDir, 'config.json');
  await writeJsonAtomic(path, {
    file: loaded.file,
    files: loaded.files,
    cfgOptions,
    config: absoluteDatasetPaths(loaded.config, cwd),
  });
  return path;
}
