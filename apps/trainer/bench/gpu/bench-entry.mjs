// The GPU bench's TF.js side: Mask R-CNN training-step time on one backend (webgpu by default)
// for the R50-FPN preset at 2 x 1333x800 (LVIS's 1203 classes) and the synthetic CPU preset at
// 2 x 128 px. Bundled into one file by build.mjs; prints one JSON line per case.
// Env: CRAT_BACKEND (default webgpu), BENCH_STEPS (default 5), BENCH_CASES (default "r50,synth").
import { cpuPresetConfig, MaskRCNN, makeToyImages, r50FpnConfig, toyBatch } from '@crat/detector';
import { gradientStep, initBackend, Sgd, teardownBackend, webGpuAdapterFacts } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';

const steps = Number(process.env.BENCH_STEPS ?? 5);
const wanted = (process.env.BENCH_CASES ?? 'r50,synth').split(',');

/** A 2-image batch at h x w (padded to multiples of 32) with `objects` filled boxes per image. */
function rectangleBatch(h, w, objects, numClasses, seed) {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 4294967296;
  };
  const ph = Math.ceil(h / 32) * 32;
  const pw = Math.ceil(w / 32) * 32;
  const pixels = new Float32Array(2 * ph * pw * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rnd() * 2 - 1;
  const gtBoxes = [];
  const gtLabels = [];
  const gtMasks = [];
  for (let b = 0; b < 2; b++) {
    const boxes = [];
    const labels = [];
    const masks = [];
    for (let o = 0; o < objects; o++) {
      const bw = 32 + rnd() * (w / 3);
      const bh = 32 + rnd() * (h / 3);
      const x0 = rnd() * (w - bw);
      const y0 = rnd() * (h - bh);
      boxes.push(x0, y0, x0 + bw, y0 + bh);
      labels.push(Math.floor(rnd() * numClasses));
      const mask = new Uint8Array(h * w);
      for (let y = Math.floor(y0); y < y0 + bh; y++)
        mask.fill(1, y * w + Math.floor(x0), y * w + Math.floor(x0 + bw));
      masks.push(mask);
    }
    gtBoxes.push(Float32Array.from(boxes));
    gtLabels.push(Int32Array.from(labels));
    gtMasks.push(masks);
  }
  return {
    images: tf.tensor4d(pixels, [2, ph, pw, 3]),
    metas: [0, 1].map((i) => ({
      imageId: i + 1,
      imageShape: [h, w],
      originalShape: [h, w],
      scaleFactor: [1, 1],
    })),
    gtBoxes,
    gtLabels,
    gtMasks,
  };
}

const cases = {
  r50: () => ({
    name: 'R50-FPN, 1203 classes, 2 x 1333x800, 8 objects/img',
    config: r50FpnConfig(1203),
    batch: rectangleBatch(800, 1333, 8, 1203, 7),
  }),
  synth: () => ({
    name: 'synthetic CPU preset (R18 half width, 64-ch FPN), 41 classes, 2 x 128 px',
    config: cpuPresetConfig(41),
    batch: toyBatch(
      makeToyImages(7, 2, { size: 128, numClasses: 41, objects: [1, 3], objectSize: [16, 48] }),
      128,
    ),
  }),
};

async function runCase({ name, config, batch }) {
  const model = new MaskRCNN(config);
  const params = model.params.trainableByName();
  const sgd = new Sgd(params, { momentum: 0.9, weightDecay: 1e-4 });
  const grad = gradientStep(params, (b, ctx) => model.loss(b, ctx));
  const step = async (iteration) => {
    const out = await grad(batch, { iteration });
    sgd.step(out.grads, 0.02);
    tf.dispose(Object.values(out.grads));
    return out;
  };
  const tWarm = performance.now();
  await step(0); // compiles every shader
  const warmS = (performance.now() - tWarm) / 1000;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step(i + 1);
  const stepS = (performance.now() - t0) / 1000 / steps;
  const row = { case: name, 'first step s': +warmS.toFixed(2), 'train s/step': +stepS.toFixed(3) };
  sgd.dispose();
  batch.images.dispose();
  model.dispose();
  return row;
}

const backend = await initBackend(process.env.CRAT_BACKEND ?? 'webgpu');
const adapter = backend === 'webgpu' ? webGpuAdapterFacts() : undefined;
console.log(JSON.stringify({ backend, adapter, steps, node: process.version }));
for (const key of wanted) {
  if (!(key in cases))
    throw new Error(`BENCH_CASES: unknown case '${key}' (known: ${Object.keys(cases)})`);
  console.log(JSON.stringify({ key, ...(await runCase(cases[key]())) }));
}
teardownBackend();
