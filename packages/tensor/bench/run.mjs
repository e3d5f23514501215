// Benchmarks for @crat/tensor: conv forward+backward, a ResNet-18-FPN-sized stack and
// multi-level RoIAlign forward+backward, host batchedNms, on wasm and (where it finishes in reasonable time)
// cpu. Run: pnpm --filter @crat/tensor bench   (CRAT_BENCH_CPU_FULL=1 adds the ~70 s cpu conv)
import * as tf from '@tensorflow/tfjs-core';
import {
  batchedNms,
  groupNorm,
  initBackend,
  mapRoiLevels,
  multiLevelRoiAlign,
  planRoiAlign,
  wasmThreads,
} from '../dist/index.js';
import { randomRois } from './random-rois.mjs';

const GF = 1e9;

function convFlops(n, oh, ow, kh, kw, ci, co) {
  return 2 * n * oh * ow * kh * kw * ci * co;
}

/** Median wall time of `reps` runs of f (after `warm` warm-up runs); f returns tensors to read+dispose. */
function time(f, reps, warm = 1) {
  const run = () => {
    const out = f();
    const list = Array.isArray(out) ? out : [out];
    for (const t of list) t.dataSync();
    tf.dispose(list);
  };
  for (let i = 0; i < warm; i++) run();
  const ms = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    run();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)];
}

function report(backend, name, ms, flops, extra = '') {
  const gf =
    flops > 0 ? `${(flops / (ms / 1000) / GF).toFixed(1).padStart(6)} GFLOP/s` : ''.padStart(14);
  console.log(
    `${backend.padEnd(5)} ${name.padEnd(46)} ${ms.toFixed(1).padStart(9)} ms ${gf} ${extra}`,
  );
}

function rand(shape, scale = 1) {
  return tf.mul(tf.randomUniform(shape, -1, 1, 'float32', 7), scale);
}

function convBench(backend, [n, h, w, c], reps) {
  const x = rand([n, h, w, c]);
  const wt = rand([3, 3, c, c], 0.05);
  const dy = rand([n, h, w, c]);
  const f1 = convFlops(n, h, w, 3, 3, c, c);
  const label = `conv3x3 ${c}->${c} ${n}x${h}x${w}`;
  report(
    backend,
    `${label} forward`,
    time(() => tf.conv2d(x, wt, 1, 'same'), reps),
    f1,
  );
  report(
    backend,
    `${label} input grad`,
    time(() => tf.conv2dTranspose(dy, wt, [n, h, w, c], 1, 'same'), reps),
    f1,
  );
  report(
    backend,
    `${label} filter grad`,
    time(
      () =>
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropFilter',
            { x, dy },
            { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, c, c] },
          ),
      reps,
    ),
    f1,
  );
  const threeKernels = () => [
    tf.conv2d(x, wt, 1, 'same'),
    tf.conv2dTranspose(dy, wt, [n, h, w, c], 1, 'same'),
    tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x, dy },
        { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, c, c] },
      ),
  ];
  report(backend, `${label} fwd + dx + dW kernels`, time(threeKernels, reps), 3 * f1);
  const g = tf.grads((a, b) => tf.sum(tf.mul(tf.conv2d(a, b, 1, 'same'), dy)));
  const ms = time(() => g([x, wt]), reps);
  report(
    backend,
    `${label} fwd+bwd via tf.grads`,
    ms,
    3 * f1,
    '(incl. loss mul/sum and their grads)',
  );
  tf.dispose([x, wt, dy]);
  return ms;
}

/**
 * GroupNorm (32 groups) forward + backward on the output of the conv it follows, timed beside
 * that conv's forward + backward in the same run: the share a GN-everywhere recipe adds.
 */
function groupNormBench(backend, shapes, reps) {
  for (const [n, h, w, c] of shapes) {
    const x = rand([n, h, w, c]);
    const wt = rand([3, 3, c, c], 0.05);
    const dy = rand([n, h, w, c]);
    const gamma = tf.ones([c]);
    const beta = tf.zeros([c]);
    const convG = tf.grads((a, b) => tf.sum(tf.mul(tf.conv2d(a, b, 1, 'same'), dy)));
    const gnG = tf.grads((a, g, bt) => tf.sum(tf.mul(groupNorm(a, g, bt, 32), dy)));
    const convMs = time(() => convG([x, wt]), reps);
    const gnMs = time(() => gnG([x, gamma, beta]), reps);
    const label = `${n}x${h}x${w}x${c}`;
    report(backend, `conv3x3 fwd+bwd ${label}`, convMs, 3 * convFlops(n, h, w, 3, 3, c, c));
    report(
      backend,
      `GroupNorm(32) fwd+bwd ${label}`,
      gnMs,
      0,
      `(${((gnMs / convMs) * 100).toFixed(0)}% of the conv)`,
    );
    tf.dispose([x, wt, dy, gamma, beta]);
  }
}

/** ResNet-18 body + FPN (256 channels, P2..P5), forward + backward w.r.t. every weight. */
function resnetFpnBench(backend, [n, h, w], reps) {
  const params = [];
  let flops = 0;
  const conv = (cin, cout, k) => {
    const v = tf.variable(rand([k, k, cin, cout], Math.sqrt(2 / (k * k * cin))));
    params.push(v);
    return v;
  };
  const layers = [];
  const stem = conv(3, 64, 7);
  const stages = [64, 128, 256, 512].map((c, i) => {
    const cin = i === 0 ? 64 : c / 2;
    const s = i === 0 ? 1 : 2;
    return {
      c,
      s,
      a1: conv(cin, c, 3),
      a2: conv(c, c, 3),
      down: s === 2 ? conv(cin, c, 1) : null,
      b1: conv(c, c, 3),
      b2: conv(c, c, 3),
    };
  });
  const lateral = [64, 128, 256, 512].map((c) => conv(c, 256, 1));
  const output = [0, 1, 2, 3].map(() => conv(256, 256, 3));
  layers.push(stem);
  const c2d = (x, wt, s) => {
    const y = tf.conv2d(x, wt, s, 'same');
    flops += convFlops(
      y.shape[0],
      y.shape[1],
      y.shape[2],
      wt.shape[0],
      wt.shape[1],
      wt.shape[2],
      wt.shape[3],
    );
    return y;
  };
  const forward = (img) => {
    flops = 0;
    let x = tf.maxPool(tf.relu(c2d(img, stem, 2)), 3, 2, 'same');
    const feats = [];
    for (const st of stages) {
      const idn = st.down ? c2d(x, st.down, st.s) : x;
      x = tf.relu(tf.add(c2d(tf.relu(c2d(x, st.a1, st.s)), st.a2, 1), idn));
      x = tf.relu(tf.add(c2d(tf.relu(c2d(x, st.b1, 1)), st.b2, 1), x));
      feats.push(x);
    }
    let top = c2d(feats[3], lateral[3], 1);
    const outs = [c2d(top, output[3], 1)];
    for (let l = 2; l >= 0; l--) {
      const lat = c2d(feats[l], lateral[l], 1);
      top = tf.add(lat, tf.image.resizeNearestNeighbor(top, [lat.shape[1], lat.shape[2]]));
      outs.push(c2d(top, output[l], 1));
    }
    return tf.addN(outs.map((o) => tf.mean(tf.square(o))));
  };
  const img = rand([n, h, w, 3]);
  const step = () => {
    const { value, grads } = tf.variableGrads(() => forward(img), params);
    return [value, ...Object.values(grads)];
  };
  const ms = time(step, reps);
  report(
    backend,
    `ResNet-18-FPN fwd+bwd ${n}x${h}x${w}`,
    ms,
    3 * flops,
    `(${(flops / GF).toFixed(2)} GFLOP forward)`,
  );
  tf.dispose([img, ...params]);
}

/** 512 RoIs on 4 levels (strides 4..32, 256 channels), 7x7, adaptive sampling, aligned. */
function roiAlignBench(backend, reps) {
  const strides = [4, 8, 16, 32];
  const [n, H, W, C] = [2, 512, 512, 256];
  const feats = strides.map((s) => rand([n, H / s, W / s, C]));
  const k = 512;
  const rows = randomRois(k, n, H, W, 4.5); // sqrt(area) 16..~360 px: levels 0-2
  const rois = rows;
  const opts = { outputSize: [7, 7], strides, samplingRatio: 0, aligned: true };
  // effective FLOPs: 2 per stored (pixel, weight) entry per channel, forward; same backward
  const levels = mapRoiLevels(rows, strides.length);
  let nnz = 0;
  for (let i = 0; i < k; i++) {
    const l = levels[i];
    const plan = planRoiAlign(rows.subarray(i * 5, i * 5 + 5), {
      batch: n,
      height: H / strides[l],
      width: W / strides[l],
      outputSize: [7, 7],
      spatialScale: 1 / strides[l],
      samplingRatio: 0,
      aligned: true,
    });
    nnz += plan.col.length;
  }
  const fwd = time(() => multiLevelRoiAlign(feats, rois, opts), reps);
  report(backend, `roiAlign fwd 512 RoIs, 4 levels, 256 ch, 7x7`, fwd, 2 * nnz * C);
  const g = tf.grads((...fs) => tf.sum(multiLevelRoiAlign(fs, rois, opts)));
  const both = time(() => g(feats), reps);
  report(backend, `roiAlign fwd+bwd 512 RoIs, 4 levels`, both, 4 * nnz * C);
  tf.dispose(feats);
}

/**
 * Host batchedNms at the detector's two sizes: the test-time multiclass NMS (150 proposals x
 * 40 classes above the score threshold, IoU 0.5) and the RPN's per-level NMS (IoU 0.7).
 */
function nmsBench(reps) {
  let state = 1;
  const rnd = () => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647;
  };
  for (const [n, classes, iou, what] of [
    [6000, 40, 0.5, '40 classes'],
    [4000, 5, 0.7, '5 RPN levels'],
  ]) {
    const boxes = new Float32Array(n * 4);
    const scores = new Float32Array(n);
    const ids = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const x = rnd() * 120;
      const y = rnd() * 120;
      boxes.set([x, y, x + 4 + rnd() * 40, y + 4 + rnd() * 40], i * 4);
      scores[i] = rnd();
      ids[i] = Math.floor(rnd() * classes);
    }
    const ms = [];
    for (let r = 0; r < reps + 2; r++) {
      const t0 = performance.now();
      batchedNms(boxes, scores, ids, iou, 1000);
      if (r >= 2) ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    report('host', `batchedNms ${n} boxes, ${what}`, ms[Math.floor(ms.length / 2)], 0);
  }
}

const backends = (process.env.CRAT_BENCH_BACKENDS ?? 'wasm,cpu').split(',');
// CRAT_BENCH_ONLY=conv,gn,resnet,roialign,nms picks a subset
const only = new Set((process.env.CRAT_BENCH_ONLY ?? 'conv,gn,resnet,roialign,nms').split(','));
console.log(
  `@crat/tensor bench (tfjs ${tf.version_core}, node ${process.version}); median of runs`,
);
if (only.has('nms')) nmsBench(20);
for (const b of backends) {
  await initBackend(b);
  if (b === 'wasm') console.log(`wasm threads: ${wasmThreads()}`);
  if (b === 'wasm') {
    if (only.has('conv')) convBench(b, [2, 64, 64, 64], 9);
    // the synthetic preset's shapes: FPN P2 at 128 px, the 14x14 mask head on 32 RoIs
    if (only.has('gn'))
      groupNormBench(
        b,
        [
          [2, 32, 32, 64],
          [32, 14, 14, 64],
          [2, 64, 64, 64],
        ],
        7,
      );
    if (only.has('resnet')) resnetFpnBench(b, [2, 256, 256], 3);
    if (only.has('roialign')) roiAlignBench(b, 5);
  } else {
    if (process.env.CRAT_BENCH_CPU_FULL === '1') convBench(b, [2, 64, 64, 64], 1);
    else
      console.log(
        'cpu   conv3x3 64->64 2x64x64: skipped (~70 s; CRAT_BENCH_CPU_FULL=1 runs it once); a 16x smaller one:',
      );
    convBench(b, [2, 16, 16, 64], 1);
    roiAlignBench(b, 3);
  }
}
