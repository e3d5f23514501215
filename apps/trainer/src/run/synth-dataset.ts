// A config's dataset made ready: a missing synthetic set generated from `dataset.synth`, then
// every annotation file checked.

import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { generateSynthDataset, type SynthOptions } from '@crat/lvis-synth';
import type { DatasetConfig } from '../config/schema.js';

export interface EnsureSynthOptions {
  /** Base of the config's relative paths (default: the working directory). */
  cwd?: string;
  log?: (message: string) => void;
  onProgress?: (done: number, total: number) => void;
}

/**
 * For a `synth` dataset whose annotation files are missing, run the generator with the
 * config's `dataset.synth` options; then check the configured files exist. Returns what
 * happened. A `lvis` dataset is only checked.
 */
export async function ensureDataset(
  dataset: DatasetConfig,
  o: EnsureSynthOptions = {},
): Promise<'present' | 'generated'> {
  const at = (p: string) => (isAbsolute(p) ? p : resolve(o.cwd ?? process.cwd(), p));
  const wanted = [dataset.train, dataset.val, dataset.minival]
    .flatMap((split) => (split ? [split.annFile] : []))
    .map(at);
  if (wanted.every((f) => existsSync(f))) return 'present';
  if (dataset.type !== 'synth') {
    const missing = wanted.filter((f) => !existsSync(f));
    throw new Error(
      `dataset: missing annotation files (dataset.train/val.annFile): ${missing.join(', ')}`,
    );
  }
  if (!dataset.synth) {
    throw new Error(
      'dataset.synth: a synth dataset whose files are missing needs generator options (outDir, seed, ...)',
    );
  }
  const { outDir, ...rest } = dataset.synth;
  const out = at(outDir);
  o.log?.(`generating the synthetic dataset in ${out} (its annotation files are missing)`);
  const options: SynthOptions = {
    ...(rest as Omit<SynthOptions, 'out'>),
    out,
    // The folder is the config's own generated-data folder; a half-written one is replaced.
    overwrite: true,
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  };
  const result = await generateSynthDataset(options);
  const missing = wanted.filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new Error(
      `dataset: the generator wrote ${result.trainAnnotationFile} and ${result.valAnnotationFile}, but the config names ${missing.join(', ')} (dataset.train/val.annFile)`,
    );
  }
  return 'generated';
}
