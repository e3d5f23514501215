// Train-step and inference throughput of the detector presets. Run it through
// `pnpm --filter @crat/detector bench` (builds first); on a shared machine wrap it in
// `flock /tmp/crat-bench.lock`. Env: CRAT_BACKEND (default wasm), BENCH_STEPS (default 3).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gradientStep, initBackend, Sgd } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { cpuPresetConfig, MaskRCNN, makeToyImages, r18FpnConfig, toyBatch } from '../dist/index.js';

const backend = await initBackend(process.env.CRAT_BACKEND ?? 'wasm');
const steps = Number(process.env.BENCH_STEPS ?? 3);
const numClasses = 41;
const size = 128;
const batchSize = 2;

// The mask head runs on every positive RoI, so its share of the step grows with the objects
// per image: each model is timed on sparse (1-3) and dense (6-10) toy images.
const sparse = { objects: [1, 3], objectSize: [16, 48] };
const dense = { objects: [6, 10], objectSize: [16, 40] };
const cases = [
  {
    name: 'CPU preset (R18, 64-ch FPN, 128 RoIs, 256-d FC), 1-3 obj/img',
    config: cpuPresetConfig(numClasses),
    toy: sparse,
  },
  {
    name: 'CPU preset, 6-10 obj/img',
    config: cpuPresetConfig(numClasses),
    toy: dense,
  },
  {
    name: 'torchvision-default R18-FPN (256-ch FPN, 512 RoIs, 1024-d FC), 1-3 obj/img',
    config: r18FpnConfig(numClasses),
    toy: sparse,
  },
  {
    name: 'torchvision-default R18-FPN, 6-10 obj/img',
    config: r18FpnConfig(numClasses),
    toy: dense,
  },
];

function progress(label, i, n, t0) {
  const el = (performance.now() - t0) / 1000;
  const eta = i > 0 ? (el / i) * (n - i) : 0;
  process.stderr.write(`\r  ${label} ${i}/${n}  ${el.toFixed(1)} s  ETA ${eta.toFixed(0)} s   `);
  if (i === n) process.stderr.write('\n');
}

async function runCase({ name, config, toy }) {
  const model = new MaskRCNN(config);
  // The training loop's own parts: the one step function and the one optimizer.
  const params = model.params.trainableByName();
  const sgd = new Sgd(params, { momentum: 0.9, weightDecay: 1e-4 });
  const grad = gradientStep(params, (b, ctx) => model.loss(b, ctx));
  const trainStep = async (iteration) => {
    const out = await grad(batch, { iteration });
    sgd.step(out.grads, 0.02);
    tf.dispose(Object.values(out.grads));
    return out;
  };
  const images = makeToyImages(7, batchSize, { size, numClasses, ...toy });
  const batch = toyBatch(images, size);
  await trainStep(0);
  let positives = 0;
  let t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    progress('train', i, steps, t0);
    const r = await trainStep(i + 1);
    positives += r.stats.positives;
  }
  progress('train', steps, steps, t0);
  const stepS = (performance.now() - t0) / 1000 / steps;
  let dets = await model.predict(batch);
  t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    progress('infer', i, steps, t0);
    dets = await model.predict(batch);
  }
  progress('infer', steps, steps, t0);
  const inferS = (performance.now() - t0) / 1000 / steps;
  const row = {
    config: name,
    'params (M)': (model.params.count() / 1e6).toFixed(2),
    'pos RoIs/step': (positives / steps).toFixed(0),
    'train s/step': stepS.toFixed(2),
    'train img/s': (batchSize / stepS).toFixed(2),
    'infer img/s': (batchSize / inferS).toFixed(2),
    'dets/img (masks)': (dets.reduce((a, d) => a + d.scores.length, 0) / dets.length).toFixed(0),
  };
  sgd.dispose();
  batch.images.dispose();
  model.dispose();
  return row;
}

// Each case runs in its own process, so one model's wasm heap does not slow the next.
if (process.env.BENCH_CASE !== undefined) {
  const row = await runCase(cases[Number(process.env.BENCH_CASE)]);
  process.stdout.write(`ROW ${JSON.stringify(row)}\n`);
} else {
  console.log(
    `backend ${backend}, ${batchSize} x ${size} px, ${numClasses} classes, ${steps} timed steps after 1 warm-up (2-core machine)`,
  );
  let torchVersion;
  const rows = cases.map((_, i) => {
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url)], {
      env: { ...process.env, BENCH_CASE: String(i) },
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
    });
    return JSON.parse(
      out
        .split('\n')
        .find((l) => l.startsWith('ROW '))
        .slice(4),
    );
  });
  // The same step in PyTorch on this machine, with the positives our step sampled (the mask
  // head's cost follows them): figures taken on one machine in one run are comparable.
  for (const [i, row] of rows.entries()) {
    if (cases[i].config.fpn.outChannels !== 256) continue;
    const ref = pytorchReference(Number(row['pos RoIs/step']));
    row['PyTorch s/step'] = ref ? ref.s_per_step.toFixed(2) : 'n/a';
    row['ratio'] = ref ? (Number(row['train s/step']) / ref.s_per_step).toFixed(2) : 'n/a';
    if (ref) torchVersion = ref.torch;
  }
  console.table(rows);
  console.log(
    torchVersion
      ? `PyTorch ${torchVersion} CPU, ${steps} steps after 1 warm-up, 2 threads (bench/pytorch-reference.py); ratio = TF.js / PyTorch`
      : 'PyTorch reference skipped: python3 with torch is not installed (pip install torch)',
  );
}

function pytorchReference(positives) {
  try {
    const out = execFileSync(
      'python3',
      [
        fileURLToPath(new URL('./pytorch-reference.py', import.meta.url)),
        '--positives',
        String(positives),
        '--steps',
        String(steps),
        '--classes',
        String(numClasses),
        '--size',
        String(size),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return JSON.parse(out.trim().split('\n').pop());
  } catch {
    return undefined;
  }
}
