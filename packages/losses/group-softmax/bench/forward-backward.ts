// Benchmark: one Group Softmax forward + backward (d loss / d logits) for a LVIS v1-sized
// batch: 1,024 RoIs, 1,203 classes (1,204 with background) in 5 groups → 1,209 logits, on
// wasm and cpu. Run with `pnpm --filter @crat/loss-group-softmax bench` (under
// `flock /tmp/crat-bench.lock`).
import { Rng } from '@crat/core';
import { type BackendName, initBackend, timeSteps, valueAndGradAsync } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { GroupSoftmaxLoss } from '../src/index.js';

const NUM_ROIS = 1024;
const NUM_CLASSES = 1203;
const POSITIVE_FRACTION = 0.25; // mmdet's RoI sampler default

/** Instance counts log-uniform from 10,000 down to 1: about 300 classes in each bin. */
function instanceCounts(): number[] {
  return Array.from({ length: NUM_CLASSES }, (_, c) =>
    Math.max(1, Math.round(10 ** (4 * (1 - c / NUM_CLASSES)))),
  );
}

/** Labels: a quarter foreground (uniform over classes), the rest background, seeded. */
function makeLabels(): Int32Array {
  const rng = new Rng(12345);
  return Int32Array.from({ length: NUM_ROIS }, (_, i) =>
    i < NUM_ROIS * POSITIVE_FRACTION ? rng.int(NUM_CLASSES) : NUM_CLASSES,
  );
}

async function bench(backend: BackendName, iterations: number): Promise<string> {
  await initBackend(backend);
  const loss = new GroupSoftmaxLoss({
    numClasses: NUM_CLASSES,
    classInstanceCounts: instanceCounts(),
  });
  const logits = tf.randomNormal([NUM_ROIS, loss.numLogits], 0, 2, 'float32', 7) as tf.Tensor2D;
  const labels = makeLabels();
  const step = async () => {
    const { value, grad } = await valueAndGradAsync(
      async (z: tf.Tensor) => (await loss.forward(z as tf.Tensor2D, labels)).loss_cls,
      logits,
    );
    await value.data();
    await grad.data();
    tf.dispose([value, grad]);
  };
  const timing = await timeSteps(step, { runs: iterations, label: backend });
  logits.dispose();
  const groups = loss.layout.groupClassIds.map((ids) => ids.length).join('/');
  return `| ${backend} | ${groups} | ${timing.medianMs.toFixed(1)} | ${timing.meanMs.toFixed(1)} | ${timing.minMs.toFixed(1)} | ${timing.runs} |`;
}

const reps = Number(process.env.BENCH_REPS ?? 30);
const rows = [await bench('wasm', reps), await bench('cpu', Math.max(1, Math.ceil(reps / 6)))];
console.log(
  `Group Softmax forward+backward, ${NUM_ROIS} RoIs × ${NUM_CLASSES + 1 + 5} logits (${POSITIVE_FRACTION * 100}% foreground)`,
);
console.log(
  '| backend | classes per group | median ms | mean ms | min ms | runs |\n| --- | --- | --- | --- | --- | --- |',
);
for (const row of rows) console.log(row);
