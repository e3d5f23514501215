// Benchmark: one Seesaw forward + backward (d loss / d logits) for a LVIS v1-sized batch,
// 1,024 RoIs × 1,205 logits (1,203 classes + object/background pair), on wasm and cpu,
// with mmdet's 25% foreground and with every RoI foreground (the class term's worst case).
// Run with `pnpm --filter @crat/loss-seesaw bench` (under `flock /tmp/crat-bench.lock`).
import { type BackendName, initBackend, valueAndGradAsync } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { SeesawLoss } from '../src/index.js';

const NUM_ROIS = 1024;
const NUM_CLASSES = 1203;

/** Labels: the first `fraction` of the RoIs foreground (uniform over classes), deterministic. */
function makeLabels(fraction: number): Int32Array {
  const labels = new Int32Array(NUM_ROIS);
  let state = 12345;
  for (let i = 0; i < NUM_ROIS; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    labels[i] = i < NUM_ROIS * fraction ? state % NUM_CLASSES : NUM_CLASSES;
  }
  return labels;
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
  for (let i = 0; i < 3; i++) await step();
  const tensorsBefore = tf.memory().numTensors;
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
    process.stderr.write(`\r${backend} ${fraction * 100}% fg: ${i + 1}/${iterations}`);
  }
  process.stderr.write('\n');
  if (tf.memory().numTensors !== tensorsBefore) throw new Error(`${backend}: tensors leaked`);
  tf.dispose([logits, weights]);
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const mean = times.reduce((s, t) => s + t, 0) / times.length;
  return `| ${backend} | ${fraction * 100}% | ${median.toFixed(1)} | ${mean.toFixed(1)} | ${times[0].toFixed(1)} | ${iterations} |`;
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
