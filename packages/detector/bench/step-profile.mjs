// Where a training step of the CPU preset spends its time: every kernel of the backend timed
// (outermost calls only, so a kernel built on others is counted once), grouped by what it does,
// and the rest of the step (host work: anchors, targets, sampling, NMS, RoIAlign plans, and the
// engine's own overhead). Kernels run synchronously on cpu and wasm, so their wall time is theirs. Run it through
// `pnpm --filter @crat/detector bench:profile`. Env: CRAT_BACKEND (default wasm), BENCH_STEPS (3).
import { gradientStep, initBackend, Sgd } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { cpuPresetConfig, MaskRCNN, makeToyImages, toyBatch } from '../dist/index.js';

const backend = await initBackend(process.env.CRAT_BACKEND ?? 'wasm');
const steps = Number(process.env.BENCH_STEPS ?? 3);
const numClasses = 41;
const size = 128;

const GROUPS = [
  ['conv forward', /^(FusedConv2D|Conv2D|DepthwiseConv2dNative|FusedDepthwiseConv2D)$/],
  ['conv backward (input)', /^Conv2DBackpropInput$/],
  ['conv backward (filter)', /^Conv2DBackpropFilter$/],
  ['RoIAlign (forward, backward)', /^CratRoiAlign/],
  ['matmul (FC heads)', /^(BatchMatMul|_FusedMatMul)$/],
  ['pooling, resize and their gradients', /Pool|Resize/],
  ['group norm', /^CratGroupNorm/],
];
const groupOf = (name) =>
  GROUPS.find(([, re]) => re.test(name))?.[0] ?? 'elementwise, reductions, gathers, copies';

// Wrap every kernel registered for the backend with a timer before the model runs.
const kernelMsByName = new Map();
let depth = 0;
for (const config of tf.getKernelsForBackend(tf.getBackend())) {
  const inner = config.kernelFunc;
  tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel({
    ...config,
    kernelFunc: (args) => {
      if (depth > 0) return inner(args);
      depth++;
      const t0 = performance.now();
      try {
        return inner(args);
      } finally {
        depth--;
        const ms = performance.now() - t0;
        kernelMsByName.set(config.kernelName, (kernelMsByName.get(config.kernelName) ?? 0) + ms);
      }
    },
  });
}

const model = new MaskRCNN(cpuPresetConfig(numClasses));
const params = model.params.trainableByName();
const sgd = new Sgd(params, { momentum: 0.9, weightDecay: 1e-4 });
const grad = gradientStep(params, (b, ctx) => model.loss(b, ctx));
const images = makeToyImages(7, 2, { size, numClasses, objects: [1, 6], objectSize: [16, 48] });
const batch = toyBatch(images, size);
const step = async (iteration) => {
  const out = await grad(batch, { iteration });
  sgd.step(out.grads, 0.01);
  tf.dispose(Object.values(out.grads));
};
await step(0);
kernelMsByName.clear();

let wall = 0;
for (let i = 1; i <= steps; i++) {
  const t0 = performance.now();
  await step(i);
  wall += performance.now() - t0;
  process.stderr.write(`\r  timed step ${i}/${steps}`);
}
process.stderr.write('\n');
const byKernel = kernelMsByName;
const byGroup = new Map();
for (const [name, ms] of byKernel)
  byGroup.set(groupOf(name), (byGroup.get(groupOf(name)) ?? 0) + ms);
const kernelMs = [...byGroup.values()].reduce((a, b) => a + b, 0);
console.log(
  `backend ${backend}, CPU preset, 2 x ${size} px, ${steps} timed steps after 1 warm-up; ms per step (step ${(wall / steps).toFixed(0)} ms)`,
);
const rows = [...byGroup]
  .sort((a, b) => b[1] - a[1])
  .map(([group, ms]) => ({
    part: group,
    'ms/step': (ms / steps).toFixed(1),
    share: `${((100 * ms) / wall).toFixed(1)} %`,
  }));
rows.push({
  part: 'host work and engine overhead (the rest)',
  'ms/step': ((wall - kernelMs) / steps).toFixed(1),
  share: `${((100 * (wall - kernelMs)) / wall).toFixed(1)} %`,
});
console.table(rows);
console.log(
  'top kernels:',
  [...byKernel]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([n, ms]) => `${n} ${(ms / steps).toFixed(0)} ms`)
    .join(', '),
);
model.dispose();
sgd.dispose();
