// Checkpoint weights for any set of named variables, as exact JSON, for models that bring no
// weight format of their own (the detector writes safetensors).

import { readFile } from 'node:fs/promises';
import { writeJsonAtomic } from '@crat/core';
import { decodeTensor, type EncodedTensor, encodeTensor } from '@crat/tensor';
import type * as tf from '@tensorflow/tfjs-core';
import type { WeightsIO } from './checkpoint.js';

/**
 * Weights as a JSON file of base64 float32 tensors: an exact {@link WeightsIO} for any set
 * of named variables. Models that write safetensors (the detector) bring their own.
 */
export function jsonWeightsIO(variables: Record<string, tf.Variable>): WeightsIO {
  return {
    fileName: 'model.json',
    async save(path: string) {
      const out: Record<string, EncodedTensor> = {};
      for (const [k, v] of Object.entries(variables)) out[k] = await encodeTensor(v);
      await writeJsonAtomic(path, out);
    },
    async load(path: string) {
      const saved = JSON.parse(await readFile(path, 'utf8')) as Record<string, EncodedTensor>;
      for (const [k, v] of Object.entries(variables)) {
        if (!saved[k]) throw new Error(`${path}: no weights for '${k}'`);
        const t = decodeTensor(saved[k], `${path}['${k}']`);
        if (t.shape.join() !== v.shape.join()) {
          t.dispose();
          throw new Error(`${path}['${k}']: shape [${t.shape}], the model has [${v.shape}]`);
        }
        v.assign(t);
        t.dispose();
      }
    },
  };
}
