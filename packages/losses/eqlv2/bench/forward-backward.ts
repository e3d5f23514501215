// Benchmark: one loss forward + backward (d loss / d logits) for a LVIS v1-sized batch,
// 1,024 RoIs × 1,204 logits (1,203 classes + background), on wasm and cpu.
// Run with `pnpm --filter @crat/loss-eqlv2 bench` (under `flock /tmp/crat-bench.lock` on
// shared machines).
import { Rng } from '@crat/core';
import { type BackendName, initBackend, timeSteps, valueAndGradAsync } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { EQLv2Loss } from '../src/index.js';

const NUM_ROIS = 1024;
const NUM_CLASSES = 1203;
const POSITIVE_FRACTION = 0.25; // mmdet's RoI sampler default

/** Labels: a quarter foreground (uniform over classes), the rest background, seeded. */
function makeLabels(): Int32Array {
  const rng = new Rng(12345);
  return Int32Array.from({ length: NUM_ROIS }, (_, i) =>
    i < NUM_ROIS * POSITIVE_FRACTION ? rng.int(NUM_CLASSES) : NUM_CLASSES,
  );
}

async function bench(backend: BackendName, iterations: number): Promise<string> {
  await initBackend(backend);
  const loss = new EQLv2Loss({ numClasses: NUM_CLASSES });
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
  return `| ${backend} | ${timing.medianMs.toFixed(1)} | ${timing.meanMs.toFixed(1)} | ${timing.minMs.toFixed(1)} | ${timing.runs} |`;
}

const reps = Number(process.env.BENCH_REPS ?? 30);
const rows = [await bench('wasm', reps), await bench('cpu', Math.max(1, Math.ceil(reps / 6)))];
console.log(
  `EQLv2 forward+backward, ${NUM_ROIS} RoIs × ${NUM_CLASSES + 1} logits (${POSITIVE_FRACTION * 100}% foreground)`,
);
console.log('| backend | median ms | mean ms | min ms | runs |\n| --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
