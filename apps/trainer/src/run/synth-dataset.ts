// The dataset a config names, made when it is the synthetic one and missing: generated only
// into a folder that does not exist yet or that this function generated itself, never over
// a user's files.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { writeJsonAtomic } from '@crat/core';
import { generateSynthDataset, type SynthOptions } from '@crat/lvis-synth';
import type { DatasetConfig } from '../config/schema.js';

export interface EnsureSynthOptions {
  /** Base of the config's relative paths (default: the working directory). */
  cwd?: string;
  log?: (message: string) => void;
  onProgress?: (done: number, total: number) => void;
  /** Whether the run evaluates on `dataset.minival` (then its file must be there too). */
  needsMinival?: boolean;
}

/** Written into a folder `ensureDataset` generated: only such a folder may be generated again. */
export const GENERATED_MARKER = '.crat-generated.json';

/** The annotation files `@crat/lvis-synth` writes into `out`, by split. */
function generatedFiles(out: string): Record<Split, string> {
  return {
    train: join(out, 'annotations', 'lvis_v1_train.json'),
    val: join(out, 'annotations', 'lvis_v1_val.json'),
    minival: join(out, 'annotations', 'lvis_v1_minival.json'),
  };
}

type Split = 'train' | 'val' | 'minival';

/**
 * For a `synth` dataset whose annotation files are missing, run the generator with the
 * config's `dataset.synth` options; then check the configured files exist. Returns what
 * happened. A `lvis` dataset is only checked. The generator runs only when the config's
 * files are the ones it writes, and only into a folder that is missing, empty, or was
 * generated here before (it holds {@link GENERATED_MARKER}); anything else is an error
 * naming the missing file, so a mistyped path never replaces a user's data.
 */
export async function ensureDataset(
  dataset: DatasetConfig,
  o: EnsureSynthOptions = {},
): Promise<'present' | 'generated'> {
  const at = (p: string) => (isAbsolute(p) ? p : resolve(o.cwd ?? process.cwd(), p));
  const splits = (['train', 'val', 'minival'] as const).filter(
    (k) => dataset[k] !== undefined && (k !== 'minival' || o.needsMinival === true),
  );
  const wanted = Object.fromEntries(splits.map((k) => [k, at(dataset[k]!.annFile)])) as Record<
    Split,
    string
  >;
  const missing = splits.filter((k) => !existsSync(wanted[k]));
  if (missing.length === 0) {
    if (dataset.type === 'synth' && dataset.synth) warnIfOtherSizes(dataset.synth, at, o.log);
    return 'present';
  }
  const named = missing.map((k) => `dataset.${k}.annFile: ${wanted[k]} does not exist`).join('; ');
  if (dataset.type !== 'synth') throw new Error(`dataset: ${named}`);
  if (!dataset.synth) {
    throw new Error(
      `dataset: ${named}, and dataset.synth (the generator's outDir, seed, ...) is not set to make it`,
    );
  }
  const { outDir, ...rest } = dataset.synth;
  const out = at(outDir);
  const made = generatedFiles(out);
  const elsewhere = missing.filter((k) => wanted[k] !== made[k]);
  if (elsewhere.length) {
    throw new Error(
      `dataset: ${named}; the generator (dataset.synth.outDir ${out}) would write ${elsewhere.map((k) => made[k]).join(' and ')} instead, so nothing was generated: check the path`,
    );
  }
  const ours = existsSync(join(out, GENERATED_MARKER));
  if (existsSync(out) && readdirSync(out).length > 0 && !ours) {
    throw new Error(
      `dataset: ${named}; ${out} holds other files, not a set generated here, so it was left alone: remove it, or point dataset.train/val/minival at the files it holds`,
    );
  }
  o.log?.(`generating the synthetic dataset in ${out} (its annotation files are missing)`);
  const options: SynthOptions = {
    ...(rest as Omit<SynthOptions, 'out'>),
    out,
    // Replaces only a folder generated here (checked above), which is incomplete.
    overwrite: ours,
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  };
  await generateSynthDataset(options);
  await writeJsonAtomic(
    join(out, GENERATED_MARKER),
    { generatedBy: 'crat train (dataset.synth)', options: { ...rest } },
    1,
  );
  return 'generated';
}

/**
 * A set that is there is used as it is; say so when its `synth_meta.json` records other
 * sizes than the config's `dataset.synth` asks for (a set made by hand with `crat synth`).
 */
function warnIfOtherSizes(
  synth: NonNullable<DatasetConfig['synth']>,
  at: (p: string) => string,
  log: ((m: string) => void) | undefined,
): void {
  const metaFile = join(at(synth.outDir), 'synth_meta.json');
  if (!log || !existsSync(metaFile)) return;
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8'));
  } catch {
    return; // a set without readable metadata is still a set; nothing to compare
  }
  const asked = synth as Record<string, unknown>;
  const differ = ['seed', 'trainImages', 'valImages', 'size']
    .filter((k) => asked[k] !== undefined && meta[k] !== undefined && asked[k] !== meta[k])
    .map(
      (k) => `${k} ${JSON.stringify(meta[k])} (dataset.synth.${k}: ${JSON.stringify(asked[k])})`,
    );
  if (differ.length) {
    log(
      `warning: using the synthetic set in ${at(synth.outDir)} as it is: ${differ.join(', ')}; remove it to have it generated from dataset.synth`,
    );
  }
}
