// Test helper: overfit the tiny detector on 4 toy images (warm-up, then a 10x lower lr for the
// last fifth) and measure how well it fits them, as the overfit tests on each backend do.
import { activeBackend } from '@crat/tensor';
import type { DetectorBatch } from '../../src/batch.js';
import { MaskRCNN } from '../../src/mask-rcnn.js';
import { makeToyImages, type ToyImage, toyBatch } from '../../src/toy-data.js';
import { bboxAp50 } from '../ap50.js';
import { C, SIZE, tinyConfig, toyOpts } from './tiny-config.js';
import { sgdSteps } from './train-steps.js';

export interface OverfitResult {
  losses: number[];
  ap50: number;
  seconds: number;
}

/** What a caller may look at after the fit, before the model and batch are freed. */
export type AfterFit = (model: MaskRCNN, batch: DetectorBatch, images: ToyImage[]) => Promise<void>;

export async function overfitToyImages(
  steps: number,
  afterFit?: AfterFit,
  baseLr = 0.02,
): Promise<OverfitResult> {
  const images = makeToyImages(42, 4, toyOpts);
  const batch = toyBatch(images, SIZE);
  const model = new MaskRCNN(tinyConfig(), { seed: 5 });
  const sgd = sgdSteps(model, baseLr);
  const t0 = Date.now();
  const losses: number[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const warm = Math.min(1, (i + 1) / 20);
      const lr = baseLr * (i < 0.8 * steps ? warm : 0.1);
      const r = await sgd.step(batch, i, lr);
      // Let the worker answer vitest's RPC between steps: a minute of unbroken compute
      // (likely when every suite shares 2 cores) otherwise fails the run with an RPC timeout.
      await new Promise((done) => setImmediate(done));
      losses.push(r.losses.loss);
    }
    const dets = await model.predict(batch, { withMasks: false });
    const ap50 = bboxAp50(dets, images, C);
    const seconds = (Date.now() - t0) / 1000;
    console.log(
      `overfit on ${activeBackend()}: ${steps} steps in ${seconds.toFixed(1)} s, loss ${losses[0]?.toFixed(3)} → ${losses.at(-1)?.toFixed(3)}, AP50 ${ap50.toFixed(3)}`,
    );
    await afterFit?.(model, batch, images);
    return { losses, ap50, seconds };
  } finally {
    sgd.dispose();
    batch.images.dispose();
    model.dispose();
  }
}
