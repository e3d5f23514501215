// The detector's training step with CRAT on both branches, its inference and its checkpoint
// state and weights, with synchronous tensor reads made to throw (they fail on webgpu in Node).
import '../src/index.js';
import { taskTransfers } from '@crat/core';
import {
  type DetectorBatch,
  MaskRCNN,
  makeToyImages,
  r50FpnConfig,
  resolveDetectorConfig,
  serializeWeights,
  toyBatch,
} from '@crat/detector';
import { gradientStep, initBackend, Sgd, withoutSyncReads } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

const C = 3;
const SIZE = 64;

function tinyModel(): MaskRCNN {
  const config = resolveDetectorConfig(
    {
      numClasses: C,
      backbone: { depth: 18, baseChannels: 8, frozenStages: -1 },
      neck: { outChannels: 16 },
      rpnHead: { featChannels: 16 },
      roiHead: {
        sampler: { num: 64 },
        bbox: { fcChannels: 64 },
        mask: { convChannels: 16, numConvs: 2 },
      },
      test: { maxPerImg: 20 },
    },
    r50FpnConfig(C),
  );
  return new MaskRCNN(config, {
    transfers: [
      taskTransfers.create({ type: 'crat-bbox' }, { numClasses: C, branch: 'bbox' }),
      taskTransfers.create({ type: 'crat-mask' }, { numClasses: C, branch: 'mask' }),
    ],
  });
}

describe('MaskRCNN + CRAT without synchronous reads (cpu)', () => {
  it('trains, predicts and snapshots its state and weights reading tensors only with await', async () => {
    await initBackend('cpu');
    const model = tinyModel();
    const params = model.params.trainableByName();
    const sgd = new Sgd(params, { momentum: 0.9, weightDecay: 1e-4 });
    const step = gradientStep(params, (b: DetectorBatch, ctx: { iteration: number }) =>
      model.loss(b, ctx),
    );
    const images = makeToyImages(3, 2, {
      size: SIZE,
      numClasses: C,
      objects: [1, 3],
      objectSize: [14, 30],
    });
    const batch = toyBatch(images, SIZE);
    const { losses, dets, state, bytes } = await withoutSyncReads(async () => {
      let last: Record<string, number> = {};
      for (let i = 0; i < 2; i++) {
        const out = await step(batch, { iteration: i });
        // The guard is live for this setup's tensors: the batch's and the gradients' own.
        expect(() => batch.images.dataSync()).toThrow(/only asynchronous reads/);
        expect(() => Object.values(out.grads)[0]!.arraySync()).toThrow(/only asynchronous reads/);
        sgd.step(out.grads, 0.01);
        tf.dispose(Object.values(out.grads));
        last = out.losses;
      }
      return {
        losses: last,
        dets: await model.predict(batch),
        state: await model.getState(),
        bytes: await serializeWeights(model),
      };
    });
    expect(Object.keys(losses)).toEqual(
      expect.arrayContaining(['loss_cls', 'loss_bbox_trans', 'loss_mask_trans', 'loss']),
    );
    for (const v of Object.values(losses)) expect(Number.isFinite(v)).toBe(true);
    expect(dets).toHaveLength(2);
    expect((state.transfers as { fisher: unknown }[])[0]!.fisher).not.toBeNull();
    expect(bytes.length).toBeGreaterThan(0);
    batch.images.dispose();
    sgd.dispose();
    model.dispose();
  }, 120_000);
});
