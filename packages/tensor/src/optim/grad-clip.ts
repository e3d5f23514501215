// Global-norm gradient clipping (`torch.nn.utils.clip_grad_norm_`).

import * as tf from '@tensorflow/tfjs-core';
import { addMany } from '../ops/add-many.js';

/** The L2 norm of all gradients taken together (read back asynchronously). */
export async function globalNorm(grads: Record<string, tf.Tensor>): Promise<number> {
  const list = Object.values(grads);
  if (list.length === 0) return 0;
  const squared = tf.tidy(() => addMany(list.map((g) => tf.sum(tf.square(g)))));
  const value = (await squared.data())[0]!;
  squared.dispose();
  return Math.sqrt(value);
}

/**
 * Scale every gradient by `maxNorm / (norm + 1e-6)` when the global norm exceeds
 * `maxNorm`, as `torch.nn.utils.clip_grad_norm_`. Returns new tensors (the inputs are
 * left to the caller to dispose) and the norm before clipping.
 */
export async function clipByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): Promise<{ grads: Record<string, tf.Tensor>; norm: number }> {
  const norm = await globalNorm(grads);
  const coef = maxNorm / (norm + 1e-6);
  const out: Record<string, tf.Tensor> = {};
  for (const [k, g] of Object.entries(grads)) out[k] = coef < 1 ? tf.mul(g, coef) : tf.clone(g);
  return { grads: out, norm };
}
