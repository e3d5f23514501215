// Test helper: optimizer steps of a MaskRCNN through the project's one step function and one
// optimizer (what the trainer's loop runs, without its data loading and hooks).
import { gradientStep, Sgd } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { DetectorBatch } from '../../src/batch.js';
import type { MaskRCNN, TrainContext } from '../../src/mask-rcnn.js';

export interface StepResult {
  losses: Record<string, number>;
  sampling: { rois: number; positives: number };
}

/** SGD (momentum 0.9, weight decay 1e-4) over the model's trainable parameters at `lr`. */
export function sgdSteps(model: MaskRCNN, lr = 0.01) {
  const params = model.params.trainableByName();
  const sgd = new Sgd(params, { momentum: 0.9, weightDecay: 1e-4 });
  const grad = gradientStep(params, (b: DetectorBatch, ctx: TrainContext) => model.loss(b, ctx));
  return {
    async step(batch: DetectorBatch, iteration: number, stepLr = lr): Promise<StepResult> {
      const out = await grad(batch, { iteration });
      sgd.step(out.grads, stepLr);
      tf.dispose(Object.values(out.grads));
      const s = out.stats ?? {};
      return { losses: out.losses, sampling: { rois: s.rois ?? 0, positives: s.positives ?? 0 } };
    },
    dispose: () => sgd.dispose(),
  };
}
