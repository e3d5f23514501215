// A work dir's checkpoints: written whole or not at all, with a checksum of every file,
// verified before they are read back.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { JsonValue, PluginState } from '@crat/core';
import { writeFileAtomic, writeJsonAtomic } from '@crat/core';
import { digestFiles, verifyDigests } from './checkpoint-integrity.js';

/**
 * How a model's weights go to and from disk. The detector writes safetensors
 * (`model.safetensors`); anything with this shape works.
 */
export interface WeightsIO {
  /** File name inside a checkpoint folder, e.g. `model.safetensors`. */
  readonly fileName: string;
  save(path: string): Promise<void>;
  load(path: string): Promise<void>;
}

/** Everything besides the weights that a resumed run needs to continue exactly. */
export interface TrainingState {
  /** Optimizer steps done. */
  iter: number;
  epoch: number;
  optimizer: PluginState;
  /** Plug-in state by name (classification loss, task transfers, the run's RNG, ...). */
  plugins: Record<string, PluginState>;
  /** The sampler's cursor at the first batch not yet trained on. */
  sampler: PluginState | null;
  /** Free-form facts about the run (config file, backend, version). */
  meta?: { [key: string]: JsonValue };
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

const LAST = 'last_checkpoint';
const META = 'meta.json';
const STATE_FILES = ['optimizer.json', 'plugins.json', 'sampler.json'] as const;

export function checkpointName(iter: number): string {
  return `iter_${String(iter).padStart(6, '0')}`;
}

/**
 * Checkpoints of one work dir: `checkpoints/iter_NNNNNN/` holding the weights, `optimizer.json`,
 * `plugins.json`, `sampler.json` and `meta.json`, plus `last_checkpoint` naming the newest.
 * A checkpoint is written into a temporary folder and renamed into place, and
 * `last_checkpoint` is replaced atomically after that, so an interrupted save never leaves
 * a checkpoint that looks complete. `meta.json`, written last, records the SHA-256 and size
 * of every other file; {@link CheckpointManager.load} checks them before reading anything.
 */
export class CheckpointManager {
  readonly dir: string;

  constructor(
    readonly workDir: string,
    readonly weights: WeightsIO,
    /** Checkpoints kept (the newest); 0 keeps all. */
    readonly maxKeep = 0,
  ) {
    this.dir = join(workDir, 'checkpoints');
  }

  async save(state: TrainingState): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const name = checkpointName(state.iter);
    const final = join(this.dir, name);
    const tmp = join(this.dir, `.${name}.${process.pid}.tmp`);
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp);
    await this.weights.save(join(tmp, this.weights.fileName));
    await writeJsonAtomic(join(tmp, 'optimizer.json'), state.optimizer);
    await writeJsonAtomic(join(tmp, 'plugins.json'), state.plugins);
    await writeJsonAtomic(join(tmp, 'sampler.json'), state.sampler);
    const files = await digestFiles(tmp, [this.weights.fileName, ...STATE_FILES]);
    // meta.json last: its presence marks a complete checkpoint.
    await writeJsonAtomic(join(tmp, META), {
      iter: state.iter,
      epoch: state.epoch,
      weights: this.weights.fileName,
      savedAt: new Date().toISOString(),
      ...(state.meta ?? {}),
      files,
    });
    if (existsSync(final)) {
      const old = join(this.dir, `.${name}.${process.pid}.old`);
      await rename(final, old);
      await rename(tmp, final);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, final);
    }
    await writeFileAtomic(join(this.workDir, LAST), `checkpoints/${name}\n`);
    await this.#prune(name);
    return final;
  }

  /** The newest complete checkpoint of this work dir, if any. */
  latest(): string | null {
    return findLatestCheckpoint(this.workDir);
  }

  /**
   * Check every file of `checkpointDir` against its recorded checksum; returns whether it
   * had checksums to check (older checkpoints have none). Throws naming a damaged file.
   */
  async verify(checkpointDir: string): Promise<boolean> {
    const dir = resolveCheckpoint(checkpointDir);
    const meta = readMeta(dir);
    return verifyDigests(dir, meta.files, [this.weights.fileName, ...STATE_FILES]);
  }

  /**
   * Load the weights of `checkpointDir` into the model and return the rest of its state,
   * after checking every file against its checksum.
   */
  async load(checkpointDir: string): Promise<TrainingState & { verified: boolean }> {
    const dir = resolveCheckpoint(checkpointDir);
    const meta = readMeta(dir);
    const weightsFile = join(dir, this.weights.fileName);
    if (!existsSync(weightsFile)) throw new CheckpointError(`${dir}: no ${this.weights.fileName}`);
    const verified = await this.verify(dir);
    await this.weights.load(weightsFile);
    return {
      iter: meta.iter as number,
      epoch: meta.epoch as number,
      optimizer: readJson(join(dir, 'optimizer.json')) as PluginState,
      plugins: readJson(join(dir, 'plugins.json')) as Record<string, PluginState>,
      sampler: readJson(join(dir, 'sampler.json')) as PluginState | null,
      meta,
      verified,
    };
  }

  /**
   * Move a damaged checkpoint out of the way (`iter_NNNNNN.damaged`, never deleted) so the
   * next resume does not pick it again; returns where it went.
   */
  async setAside(checkpointDir: string): Promise<string> {
    let target = `${checkpointDir}.damaged`;
    for (let k = 2; existsSync(target); k++) target = `${checkpointDir}.damaged-${k}`;
    await rename(checkpointDir, target);
    return target;
  }

  async #prune(keep: string): Promise<void> {
    if (this.maxKeep <= 0) return;
    const all = listCheckpoints(this.workDir);
    const drop = all.slice(0, Math.max(0, all.length - this.maxKeep)).filter((n) => n !== keep);
    for (const n of drop) await rm(join(this.dir, n), { recursive: true, force: true });
  }
}

/** Complete checkpoints of a work dir, oldest first. */
export function listCheckpoints(workDir: string): string[] {
  const dir = join(workDir, 'checkpoints');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => /^iter_\d+$/.test(n) && existsSync(join(dir, n, META)))
    .sort();
}

export function findLatestCheckpoint(workDir: string): string | null {
  const last = join(workDir, LAST);
  if (existsSync(last)) {
    const dir = resolve(workDir, readFileSync(last, 'utf8').trim());
    if (existsSync(join(dir, META))) return dir;
  }
  const all = listCheckpoints(workDir);
  return all.length ? join(workDir, 'checkpoints', all.at(-1)!) : null;
}

/** A checkpoint folder, or a work dir (its newest checkpoint). */
export function resolveCheckpoint(path: string): string {
  if (!existsSync(path)) throw new CheckpointError(`checkpoint '${path}' does not exist`);
  if (statSync(path).isDirectory() && existsSync(join(path, META))) return path;
  if (statSync(path).isDirectory()) {
    const latest = findLatestCheckpoint(path);
    if (latest) return latest;
  }
  throw new CheckpointError(
    `'${path}' is neither a checkpoint folder (with ${META}) nor a work dir with checkpoints`,
  );
}

/** A checkpoint's weights file, checked against its checksum, and the checkpoint's meta.json. */
export interface CheckpointWeights {
  file: string;
  /** The checkpoint's meta.json, or `null` for a weights file outside a checkpoint folder. */
  meta: { [key: string]: JsonValue } | null;
  /** Whether a recorded checksum was checked (`false`: none recorded, or no checkpoint). */
  verified: boolean;
}

/**
 * The weights file of a checkpoint folder, of a work dir's newest checkpoint, or a weights
 * file itself (for `loadFrom` and `crat test`), verified against the checksum its
 * checkpoint recorded when it sits in one. Throws naming a damaged file.
 */
export async function checkpointWeightsFile(
  path: string,
  fileName: string,
): Promise<CheckpointWeights> {
  const isFile = existsSync(path) && statSync(path).isFile();
  const dir = isFile ? dirname(path) : resolveCheckpoint(path);
  const file = isFile ? path : join(dir, fileName);
  if (!existsSync(file)) throw new CheckpointError(`'${path}': no ${fileName}`);
  if (!existsSync(join(dir, META))) return { file, meta: null, verified: false };
  const meta = readMeta(dir);
  const verified = await verifyDigests(dir, meta.files, [basename(file)]);
  return { file, meta, verified };
}

function readMeta(dir: string): { [key: string]: JsonValue } {
  const meta = readJson(join(dir, META)) as { [k: string]: JsonValue };
  if (typeof meta.iter !== 'number' || typeof meta.epoch !== 'number') {
    throw new CheckpointError(`${join(dir, META)}: iter and epoch must be numbers`);
  }
  return meta;
}

function readJson(path: string): unknown {
  if (!existsSync(path)) throw new CheckpointError(`${path}: missing`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CheckpointError(`${path}: ${(err as Error).message}`);
  }
}
