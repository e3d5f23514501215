/**
 * Extra cost of CRAT (box + mask, each mode) on the detector's CPU-preset training step:
 * two identical models (same seed, same batch), one with `crat-bbox` + `crat-mask`, stepped
 * alternately in the same run so machine contention hits both alike. Run under
 * `flock /tmp/crat-bench.lock`.
 *
 *   pnpm --filter @crat/crat-transfuse bench:detector [-- --backend wasm --steps 5]
 */
import '../src/index.js';
import { taskTransfers } from '@crat/core';
import {
  cpuPresetConfig,
  type DetectorBatch,
  MaskRCNN,
  makeToyImages,
  toyBatch,
} from '@crat/detector';
import { gradientStep, initBackend, Sgd } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { CratMode } from '../src/index.js';

/** The training loop's step for `model`: the one step function, then the one optimizer's update. */
function trainer(model: MaskRCNN, lr: number) {
  const params = model.params.trainableByName();
  const sgd = new Sgd(params, { momentum: 0.9, weightDecay: 1e-4 });
  const grad = gradientStep(params, (b: DetectorBatch, ctx: { iteration: number }) =>
    model.loss(b, ctx),
  );
  return {
    async step(batch: DetectorBatch, iteration: number) {
      const out = await grad(batch, { iteration });
      sgd.step(out.grads, lr);
      tf.dispose(Object.values(out.grads));
      return out;
    },
    dispose: () => sgd.dispose(),
  };
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const backend = await initBackend(arg('backend', 'wasm') as 'wasm' | 'cpu');
  const steps = Number(arg('steps', '5'));
  const modes = arg('modes', 'reference,exact').split(',') as CratMode[];
  const numClasses = 41;
  const size = 128;
  const images = makeToyImages(7, 2, { size, numClasses, objects: [2, 6], objectSize: [16, 64] });
  const batch = toyBatch(images, size);
  console.log(
    `backend ${backend}, CPU preset, 2 x ${size} px, ${numClasses} classes, ${steps} timed steps after 1 warm-up`,
  );
  const rows = [
    '| backend | CRAT mode | step without CRAT (s) | step with CRAT (s) | overhead |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const mode of modes) {
    const base = cpuPresetConfig(numClasses);
    const plain = new MaskRCNN(base);
    const crat = new MaskRCNN(base, {
      transfers: [
        taskTransfers.create({ type: 'crat-bbox', mode }, { numClasses, branch: 'bbox' }),
        taskTransfers.create({ type: 'crat-mask', mode }, { numClasses, branch: 'mask' }),
      ],
    });
    const sgdPlain = trainer(plain, 0.02);
    const sgdCrat = trainer(crat, 0.02);
    const tPlain: number[] = [];
    const tCrat: number[] = [];
    for (let i = 0; i <= steps; i++) {
      let t0 = performance.now();
      await sgdPlain.step(batch, i);
      const a = performance.now() - t0;
      t0 = performance.now();
      const r = await sgdCrat.step(batch, i);
      const b = performance.now() - t0;
      if (i > 0) {
        tPlain.push(a);
        tCrat.push(b);
      }
      process.stdout.write(
        `\r  ${mode}: step ${i}/${steps}  without ${(a / 1000).toFixed(2)} s, with ${(b / 1000).toFixed(2)} s  (loss_bbox_trans ${r.losses.loss_bbox_trans?.toExponential(2)}, loss_mask_trans ${r.losses.loss_mask_trans?.toExponential(2)})   `,
      );
    }
    process.stdout.write('\n');
    const a = median(tPlain) / 1000;
    const b = median(tCrat) / 1000;
    rows.push(
      `| ${backend} | ${mode} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(((b - a) / a) * 100).toFixed(1)}% |`,
    );
    for (const x of [plain, crat, sgdPlain, sgdCrat]) x.dispose();
  }
  batch.images.dispose();
  console.log(`\n${rows.join('\n')}`);
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
