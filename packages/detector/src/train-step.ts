import * as tf from '@tensorflow/tfjs-core';
import type { DetectorBatch } from './batch.js';
import type { MaskRCNN, RoiSamplingStats } from './model.js';
import type { SGD } from './sgd.js';

export interface TrainStepOptions {
  iteration: number;
  /** Learning rate of this step (warm-up / step schedule applied by the caller); the optimizer's own when omitted. */
  lr?: number;
}

export interface TrainStepResult {
  /** Every loss term by name, and `loss` = their sum. */
  losses: Record<string, number>;
  /** Global gradient norm, when the optimizer clips or tracks it. */
  gradNorm: number | undefined;
  /** RoIs sampled for the RoI heads in this step, and how many are positive. */
  sampling: RoiSamplingStats;
}

/**
 * One SGD step: forward, every loss term, gradients of their sum w.r.t. the trainable
 * variables, and the update. Leaves no tensor behind (`tf.memory().numTensors` stays flat
 * once the momentum buffers exist).
 */
export async function trainStep(
  model: MaskRCNN,
  batch: DetectorBatch,
  optimizer: SGD,
  opts: TrainStepOptions,
): Promise<TrainStepResult> {
  const variables = model.params.trainable();
  const kept: Record<string, tf.Scalar> = {};
  const { value, grads } = tf.variableGrads(() => {
    const terms = model.computeLosses(batch, { iteration: opts.iteration });
    for (const [k, t] of Object.entries(terms)) kept[k] = tf.keep(t);
    return tf.addN(Object.values(terms)) as tf.Scalar;
  }, variables);
  let gradNorm: number | undefined;
  try {
    ({ gradNorm } = optimizer.step(variables, grads, opts.lr));
  } finally {
    tf.dispose(grads);
  }
  const losses: Record<string, number> = {};
  for (const [k, t] of Object.entries(kept)) losses[k] = (await t.data())[0];
  losses.loss = (await value.data())[0];
  tf.dispose([value, ...Object.values(kept)]);
  return { losses, gradNorm, sampling: model.lastSampling };
}
