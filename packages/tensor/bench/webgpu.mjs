// The project's WGSL kernels against the tf-ops fallback they replace, both on the webgpu
// backend in the same run: multi-level RoIAlign and GroupNorm, forward + backward.
// Run: pnpm --filter @crat/tensor bench:webgpu   (on lavapipe this times a CPU Vulkan driver)
import * as tf from '@tensorflow/tfjs-core';
import {
  groupNorm,
  initBackend,
  multiLevelRoiAlign,
  teardownBackend,
  WEBGPU_KERNELS,
  webGpuAdapterFacts,
} from '../dist/index.js';
import { randomRois } from './random-rois.mjs';

const REPS = Number(process.env.CRAT_BENCH_REPS ?? 7);

/** Median wall time of REPS runs (after one warm-up that also compiles the shaders). */
async function time(f) {
  const run = async () => {
    const out = f();
    await Promise.all(out.map((t) => t.data()));
    tf.dispose(out);
  };
  await run();
  const ms = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    await run();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)];
}

/** Time `f` with the WGSL kernels registered, then with them unregistered (the ops path). */
async function kernelVsOps(label, names, f) {
  const kernelMs = await time(f);
  const saved = names.map((n) => [n, tf.getKernel(n, 'webgpu')]);
  for (const n of names) tf.unregisterKernel(n, 'webgpu');
  const opsMs = await time(f);
  for (const [, config] of saved) tf.registerKernel(config);
  console.log(
    `${label.padEnd(52)} WGSL ${kernelMs.toFixed(1).padStart(8)} ms   tf ops ${opsMs.toFixed(1).padStart(8)} ms   ops/WGSL ${(opsMs / kernelMs).toFixed(2)}x`,
  );
}

function rand(shape, seed) {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

async function roiAlignBench() {
  const strides = [4, 8, 16, 32];
  const [n, H, W, C] = [2, 512, 512, 64];
  const feats = strides.map((s, i) => rand([n, H / s, W / s, C], i + 1));
  const k = 512;
  // sqrt(area) 16..~630 px: every level gets RoIs (the ops path drops a level without any
  // from the graph, and tf.grads then refuses it)
  const rows = randomRois(k, n, H, W, 5.3);
  const opts = { outputSize: [7, 7], strides, samplingRatio: 0, aligned: true };
  const dy = rand([k, 7, 7, C], 9);
  const grads = tf.grads((...fs) =>
    tf.sum(tf.mul(multiLevelRoiAlign(fs, Float32Array.from(rows), opts), dy)),
  );
  await kernelVsOps(
    `multiLevelRoiAlign ${k} RoIs 7x7, ${n}x${H}x${W}x${C} P2-P5, fwd+bwd`,
    ['CratRoiAlign', 'CratRoiAlignGrad'],
    () => grads(feats),
  );
  tf.dispose([...feats, dy]);
}

async function groupNormBench() {
  for (const [n, h, w, c] of [
    [2, 32, 32, 64],
    [2, 64, 64, 64],
  ]) {
    const x = rand([n, h, w, c], 11);
    const dy = rand([n, h, w, c], 12);
    const gamma = tf.ones([c]);
    const beta = tf.zeros([c]);
    const g = tf.grads((a, b, d) => tf.sum(tf.mul(groupNorm(a, b, d, 32), dy)));
    await kernelVsOps(
      `GroupNorm(32) ${n}x${h}x${w}x${c}, fwd+bwd`,
      ['CratGroupNorm', 'CratGroupNormGrad'],
      () => g([x, gamma, beta]),
    );
    tf.dispose([x, dy, gamma, beta]);
  }
}

await initBackend('webgpu');
const a = webGpuAdapterFacts();
console.log(
  `webgpu on ${a.description || a.device} (${a.isCpu ? 'a CPU implementation' : 'hardware'}); ` +
    `kernels: ${Object.keys(WEBGPU_KERNELS).join(', ')}; median of ${REPS}`,
);
await roiAlignBench();
await groupNormBench();
teardownBackend();
