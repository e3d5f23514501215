// Benchmark: one Seesaw forward + backward (d loss / d logits) for a LVIS v1-sized batch,
// 1,024 RoIs × 1,205 logits (1,203 classes + object/background pair), on wasm and cpu,
// with mmdet's 25% foreground and with every RoI foreground (the class term's worst case).
// Run with `pnpm --filter @crat/loss-seesaw bench` (under `flock /tmp/crat-bench.lock`).
import { Rng } from '@crat/core';
import { type BackendName, initBackend, timeSteps, valueAndGradAsync } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { SeesawLoss } from '../src/index.js';

const NUM_ROIS = 1024;
const NUM_CLASSES = 1203;

/** Labels: the first `fraction` of the RoIs foreground (uniform over classes), seeded. */
function makeLabels(fraction: number): Int32Array {
  const rng = new Rng(12345);
  return Int32Array.from({ length: NUM_ROIS }, (_, i) =>
    i < NUM_ROIS * fraction ? rng.int(NUM_CLASSES) : NUM_CLASSES,
  );
}

async function bench(backend: BackendName, fraction: number, iterations: number): Promise<string> {
  await initBackend(backend);
  const loss = new SeesawLoss({ numClasses: NUM_CLASSES });
  const logits = tf.randomNormal([NUM_ROIS, loss.numLogits], 0, 2, 'float32', 7) as tf.Tensor2D;
  const labels = makeLabels(fraction);
  const weights = tf.ones([NUM_ROIS]) as tf.Tensor1D;
  const ctx = { weights, avgFactor: NUM_ROIS };
  const step = async () => {
    const { value, grad } = await valueAndGradAsync(async (z: tf.Tensor) => {
      const t = await loss.forward(z as tf.Tensor2D, labels, ctx);
      return tf.add(t.loss_cls_objectness, t.loss_cls_classes) as tf.Scalar;
    }, logits);
    await value.data();
    await grad.data();
    tf.dispose([value, grad]);
  };
  const timing = await timeSteps(step, {
    runs: iterations,
    label: `${backend} ${fraction * 100}% fg`,
  });
  tf.dispose([logits, weights]);
  return `| ${backend} | ${fraction * 100}% | ${timing.medianMs.toFixed(1)} | ${timing.meanMs.toFixed(1)} | ${timing.minMs.toFixed(1)} | ${timing.runs} |`;
}

const reps = Number(process.env.BENCH_REPS ?? 30);
const cpuReps = Math.max(1, Math.ceil(reps / 6));
const rows = [
  await bench('wasm', 0.25, reps),
  await bench('wasm', 1, reps),
  await bench('cpu', 0.25, cpuReps),
  await bench('cpu', 1, cpuReps),
];
console.log(`Seesaw forward+backward, ${NUM_ROIS} RoIs × ${NUM_CLASSES + 2} logits`);
console.log(
  '| backend | foreground | median ms | mean ms | min ms | runs |\n| --- | --- | --- | --- | --- | --- |',
);
for (const row of rows) console.log(row);
