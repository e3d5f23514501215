// Test helper: a MaskRCNN's loss terms as numbers outside a gradient scope, every tensor its
// (asynchronous) forward made freed, as `tf.tidy` did for the synchronous one.
import * as tf from '@tensorflow/tfjs-core';
import type { DetectorBatch } from '../../src/batch.js';
import type { MaskRCNN, TrainContext } from '../../src/mask-rcnn.js';

export async function lossValues(
  model: MaskRCNN,
  batch: DetectorBatch,
  ctx?: TrainContext,
): Promise<Record<string, number>> {
  const engine = tf.engine();
  engine.startScope('loss-values');
  try {
    const { terms } = await model.loss(batch, ctx);
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(terms)) out[k] = (await v.data())[0]!;
    return out;
  } finally {
    engine.endScope();
  }
}
