// Benchmark: one Group Softmax forward + backward (d loss / d logits) for a LVIS v1-sized
// batch: 1,024 RoIs, 1,203 classes (1,204 with background) in 5 groups → 1,209 logits, on
// wasm and cpu. Run with `pnpm --filter @crat/loss-group-softmax bench` (under
// `flock /tmp/crat-bench.lock`).
import { type BackendName, initBackend, valueAndGradAsync } from '@crat/tensor';
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

function makeLabels(): Int32Array {
  const labels = new Int32Array(NUM_ROIS);
  let state = 12345;
  for (let i = 0; i < NUM_ROIS; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    labels[i] = i < NUM_ROIS * POSITIVE_FRACTION ? state % NUM_CLASSES : NUM_CLASSES;
  }
  return labels;
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
  for (let i = 0; i < 3; i++) await step();
  const tensorsBefore = tf.memory().numTensors;
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
    process.stderr.write(`\r${backend}: ${i + 1}/${iterations}`);
  }
  process.stderr.write('\n');
  if (tf.memory().numTensors !== tensorsBefore) throw new Error(`${backend}: tensors leaked`);
  logits.dispose();
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const mean = times.reduce((s, t) => s + t, 0) / times.length;
  const groups = loss.layout.groupClassIds.map((ids) => ids.length).join('/');
  return `| ${backend} | ${groups} | ${median.toFixed(1)} | ${mean.toFixed(1)} | ${times[0].toFixed(1)} | ${iterations} |`;
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
