/**
 * Per-step CRAT time at LVIS sizes: C = 1,203 classes, D = 1,024 box features, 28x28 masks
 * with 256 mask features, on wasm and cpu. Times `losses()` (Fisher update, similarity,
 * weights, transfer loss) plus the backward pass of the transfer loss to the predictions,
 * i.e. everything CRAT adds to a training step. Run under `flock /tmp/crat-bench.lock`.
 *
 *   pnpm --filter @crat/crat-transfuse bench [-- --backends wasm,cpu --reps 3]
 */
import { newTransferStepContext, type TaskTransferInputs } from '@crat/core';
import { initBackend, valueAndGradAsync } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { CratBoxTransfer, CratMaskTransfer, type CratMode } from '../src/index.js';

const C = 1203;
const D = 1024;
const MASK_HW = 28;
const MASK_D = 256;
/** Distinct classes among a step's positives (a 2-image LVIS batch has a few dozen). */
const CLASSES_PER_STEP = 40;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function randomLabels(p: number, step: number): Int32Array {
  const pool = Array.from({ length: CLASSES_PER_STEP }, (_, i) => (i * 97 + step * 31) % C);
  return Int32Array.from({ length: p }, (_, n) => pool[(n * 7 + step) % pool.length]);
}

function boxInputs(p: number, step: number): TaskTransferInputs {
  const labelValues = randomLabels(p, step);
  return {
    branch: 'bbox',
    numClasses: C,
    features: tf.randomUniform([p, D], 0, 1),
    labels: tf.tensor1d(labelValues, 'int32'),
    labelValues,
    predictions: tf.randomNormal([p, C * 4], 0, 0.5),
    targets: tf.randomNormal([p, 4], 0, 0.5),
    targetWeights: tf.ones([p, 4]),
    kernel: tf.zeros([D, C * 4]),
    avgFactor: 512,
  };
}

function maskInputs(p: number, step: number): TaskTransferInputs {
  const labelValues = randomLabels(p, step);
  return {
    branch: 'mask',
    numClasses: C,
    features: tf.randomUniform([p, MASK_HW, MASK_HW, MASK_D], 0, 1),
    labels: tf.tensor1d(labelValues, 'int32'),
    labelValues,
    predictions: tf.randomNormal([p, MASK_HW, MASK_HW, C]),
    targets: tf.cast(tf.greater(tf.randomUniform([p, MASK_HW, MASK_HW]), 0.5), 'float32'),
    kernel: tf.zeros([1, 1, MASK_D, C]),
    avgFactor: p * MASK_HW * MASK_HW,
  };
}

const dispose = (i: TaskTransferInputs) =>
  tf.dispose(Object.values(i).filter((t): t is tf.Tensor => t instanceof tf.Tensor));

/** Median ms of `reps` steps (after one warm-up); `make` builds the step's inputs outside the timing. */
async function timeSteps<I>(
  reps: number,
  make: (step: number) => I,
  run: (inputs: I, step: number) => Promise<void>,
): Promise<number> {
  const times: number[] = [];
  for (let s = 0; s <= reps; s++) {
    const inputs = make(s);
    const t0 = performance.now();
    await run(inputs, s);
    if (s > 0) times.push(performance.now() - t0);
    process.stdout.write(
      `\r    step ${s}/${reps}${s > 0 ? `  ${times[times.length - 1].toFixed(0)} ms` : ' (warm-up)'}   `,
    );
  }
  process.stdout.write('\r');
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

/** The transfer loss's gradient w.r.t. the predictions, read back (what a step waits for). */
async function transferGradient(
  losses: (pred: tf.Tensor) => Promise<tf.Scalar>,
  predictions: tf.Tensor,
): Promise<void> {
  const { value, grad } = await valueAndGradAsync(losses, predictions);
  await grad.data();
  tf.dispose([value, grad]);
}

async function benchBox(mode: CratMode, p: number, reps: number): Promise<number> {
  const box = new CratBoxTransfer(C, { mode });
  const ms = await timeSteps(
    reps,
    (step) => boxInputs(p, step),
    async (inputs, step) => {
      const ctx = newTransferStepContext(step);
      await transferGradient(
        async (pred) => (await box.losses({ ...inputs, predictions: pred }, ctx)).loss_bbox_trans,
        inputs.predictions,
      );
      dispose(inputs);
    },
  );
  box.dispose();
  return ms;
}

async function benchMask(mode: CratMode, p: number, reps: number): Promise<number> {
  const box = new CratBoxTransfer(C, { mode });
  const mask = new CratMaskTransfer(C, { mode });
  // Only the mask plug-in is timed; the bbox plug-in publishes the weights it reads.
  let total = 0;
  for (let s = 0; s <= reps; s++) {
    const bIn = boxInputs(p, s);
    const mIn = maskInputs(p, s);
    const ctx = newTransferStepContext(s);
    tf.dispose((await box.losses(bIn, ctx)).loss_bbox_trans);
    const t0 = performance.now();
    await transferGradient(
      async (pred) => (await mask.losses({ ...mIn, predictions: pred }, ctx)).loss_mask_trans,
      mIn.predictions,
    );
    const dt = performance.now() - t0;
    if (s > 0) total += dt;
    process.stdout.write(
      `\r    step ${s}/${reps}${s > 0 ? `  ${dt.toFixed(0)} ms` : ' (warm-up)'}   `,
    );
    dispose(bIn);
    dispose(mIn);
  }
  process.stdout.write('\r');
  box.dispose();
  mask.dispose();
  return total / reps;
}

async function main(): Promise<void> {
  const backends = arg('backends', 'wasm,cpu').split(',') as ('wasm' | 'cpu')[];
  const reps = Number(arg('reps', '3'));
  const rows: string[] = [
    '| backend | branch | mode | positives P | ms / step (forward + backward) |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const backend of backends) {
    await initBackend(backend);
    console.log(`backend ${backend}`);
    const bboxPs = backend === 'cpu' ? [128, 512] : [128, 512];
    for (const p of bboxPs) {
      for (const mode of ['reference', 'exact', 'exact-fisher'] as CratMode[]) {
        console.log(`  bbox P=${p} ${mode}`);
        const ms = await benchBox(mode, p, reps);
        console.log(`    median ${ms.toFixed(0)} ms`);
        rows.push(`| ${backend} | bbox | ${mode} | ${p} | ${ms.toFixed(0)} |`);
      }
    }
    for (const p of arg('maskP', '32,128').split(',').map(Number)) {
      console.log(`  mask P=${p} exact`);
      try {
        const ms = await benchMask('exact', p, Math.max(1, Math.min(reps, 2)));
        console.log(`    mean ${ms.toFixed(0)} ms`);
        rows.push(`| ${backend} | mask | exact | ${p} | ${ms.toFixed(0)} |`);
      } catch (err) {
        console.log(`    failed: ${(err as Error).message}`);
        rows.push(
          `| ${backend} | mask | exact | ${p} | failed: ${(err as Error).message.slice(0, 60)} |`,
        );
      }
    }
  }
  console.log(`\n${rows.join('\n')}`);
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
