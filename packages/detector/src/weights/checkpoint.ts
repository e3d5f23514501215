// The detector's weights saved and loaded as safetensors, in PyTorch layout under mmdetection
// names, so a converted mmdetection or torchvision checkpoint loads as it is.

import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@crat/core';
import * as tf from '@tensorflow/tfjs-core';
import type { MaskRCNN } from '../mask-rcnn.js';
import { fromTorchLayout, torchShape, toTorchLayout } from '../params.js';
import { decodeSafetensors, encodeSafetensors, entryToFloat32 } from './safetensors.js';

/** Every parameter and BN statistic in PyTorch layout under its mmdetection name, as safetensors bytes. */
export async function serializeWeights(
  model: MaskRCNN,
  metadata: Record<string, string> = {},
): Promise<Uint8Array> {
  const tensors = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const p of model.params.all()) {
    const { values, shape } = await toTorchLayout(p.variable, p.layout);
    tensors.set(p.name, { shape, values });
  }
  return encodeSafetensors(tensors, { format: 'pt', ...metadata });
}

export interface LoadWeightsOptions {
  /** Fail on model parameters missing from the file (default true). */
  strict?: boolean;
  /** Only load names starting with this (e.g. `backbone.` for a pretrained backbone). */
  prefix?: string;
  /** Named in errors. */
  where?: string;
}

export interface LoadWeightsReport {
  loaded: string[];
  /** Model parameters the file does not have. */
  missing: string[];
  /** File tensors the model does not have (BN `num_batches_tracked` counters are ignored silently). */
  unexpected: string[];
}

/** A tensor in PyTorch layout from any file format, widened to float32 on demand. */
export interface TorchLayoutTensor {
  shape: number[];
  float32(): Float32Array;
}

/**
 * Load safetensors bytes written by `serializeWeights` or converted from an mmdetection /
 * torchvision checkpoint (same names, PyTorch layout). Shapes must match exactly.
 */
export function deserializeWeights(
  model: MaskRCNN,
  data: Uint8Array,
  opts: LoadWeightsOptions = {},
): LoadWeightsReport {
  const where = opts.where ?? 'weights';
  const { tensors } = decodeSafetensors(data, where);
  const view = new Map<string, TorchLayoutTensor>();
  for (const [name, entry] of tensors) {
    view.set(name, { shape: entry.shape, float32: () => entryToFloat32(entry, name) });
  }
  return assignWeights(model, view, opts);
}

/**
 * Assign PyTorch-layout tensors under mmdetection names to the model's parameters (all or
 * nothing): shapes must match exactly; missing parameters are an error unless `strict` is false.
 */
export function assignWeights(
  model: MaskRCNN,
  tensors: ReadonlyMap<string, TorchLayoutTensor>,
  opts: LoadWeightsOptions = {},
): LoadWeightsReport {
  const where = opts.where ?? 'weights';
  const prefix = opts.prefix ?? '';
  const report: LoadWeightsReport = { loaded: [], missing: [], unexpected: [] };
  const params = model.params.all().filter((p) => p.name.startsWith(prefix));
  const names = new Set(params.map((p) => p.name));
  for (const name of tensors.keys()) {
    if (name.startsWith(prefix) && !names.has(name) && !name.endsWith('num_batches_tracked')) {
      report.unexpected.push(name);
    }
  }
  const staged: { variable: tf.Variable; value: tf.Tensor }[] = [];
  try {
    for (const p of params) {
      const entry = tensors.get(p.name);
      if (!entry) {
        report.missing.push(p.name);
        continue;
      }
      const expected = torchShape(p.layout, p.variable.shape);
      if (entry.shape.join(',') !== expected.join(',')) {
        throw new Error(
          `${where}: tensor '${p.name}' has shape [${entry.shape}], the model expects [${expected}] (PyTorch layout)`,
        );
      }
      const value = fromTorchLayout(entry.float32(), p.layout, p.variable.shape);
      staged.push({ variable: p.variable, value });
      report.loaded.push(p.name);
    }
    if ((opts.strict ?? true) && report.missing.length > 0) {
      throw new Error(
        `${where}: ${report.missing.length} parameter(s) missing, e.g. ${report.missing.slice(0, 5).join(', ')}`,
      );
    }
  } catch (err) {
    tf.dispose(staged.map((s) => s.value));
    throw err;
  }
  // Every shape was checked while staging (fromTorchLayout reshapes to the variable's shape), so assign all at once.
  for (const s of staged) {
    s.variable.assign(s.value);
    s.value.dispose();
  }
  return report;
}

/** Write the weights to `path` atomically (temporary file, fsync, then rename). */
export async function saveWeights(
  model: MaskRCNN,
  path: string,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, await serializeWeights(model, metadata));
}

export async function loadWeights(
  model: MaskRCNN,
  path: string,
  opts: LoadWeightsOptions = {},
): Promise<LoadWeightsReport> {
  const bytes = await readFile(path);
  return deserializeWeights(
    model,
    new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    {
      where: path,
      ...opts,
    },
  );
}
