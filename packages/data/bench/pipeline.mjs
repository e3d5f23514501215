// Images/s through decode + augment (resize, flip, normalize, pad, GT masks) + collate to
// tensors at batch 2, for the synthetic 128 px set and for LVIS-sized images made here.
// Run with `pnpm --filter @crat/data bench` (under `flock /tmp/crat-bench.lock` when shared).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthDataset } from '@crat/lvis-synth';
import { UniformSampler } from '@crat/samplers';
import { initBackend } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { DataLoader, LvisDetectionDataset } from '../dist/index.js';

const root = mkdtempSync(join(tmpdir(), 'crat-data-bench-'));
await initBackend('cpu');

async function measure(label, dataset, pipeline, batches, workers) {
  const sampler = new UniformSampler({ dataset: dataset.samplerDataset(), seed: 0 });
  const loader = new DataLoader({
    dataset,
    sampler,
    batchSize: 2,
    pipeline,
    workers,
    prefetchBatches: 4,
  });
  // Warm-up: start the workers and fill the queue.
  (await loader.next()).dispose();
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  let images = 0;
  for (let b = 0; b < batches; b++) {
    const batch = await loader.next();
    images += batch.images.shape[0];
    batch.dispose();
  }
  const s = (performance.now() - t0) / 1000;
  await loader.close();
  if (tf.memory().numTensors !== before) throw new Error('tensor leak in the bench loop');
  console.log(
    `${label.padEnd(44)} workers=${workers}  ${(images / s).toFixed(1).padStart(7)} images/s  (${images} images in ${s.toFixed(2)} s)`,
  );
}

/** JPEGs of `w x h` with `k` random polygons each, and their LVIS file. */
async function makeLvisSized(dir, n, w, h, k) {
  mkdirSync(join(dir, 'images'), { recursive: true });
  const images = [];
  const annotations = [];
  let seed = 1;
  const rnd = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 4294967296;
  };
  for (let i = 0; i < n; i++) {
    const shapes = [];
    for (let j = 0; j < k; j++) {
      const cx = 100 + rnd() * (w - 200);
      const cy = 100 + rnd() * (h - 200);
      const r = 30 + rnd() * 150;
      const pts = [];
      for (let v = 0; v < 12; v++) {
        const a = (2 * Math.PI * v) / 12;
        const rr = r * (0.6 + 0.4 * rnd());
        pts.push(+(cx + rr * Math.cos(a)).toFixed(2), +(cy + rr * Math.sin(a)).toFixed(2));
      }
      shapes.push(pts);
      const xs = pts.filter((_, q) => q % 2 === 0);
      const ys = pts.filter((_, q) => q % 2 === 1);
      const x1 = Math.min(...xs);
      const y1 = Math.min(...ys);
      annotations.push({
        id: annotations.length + 1,
        image_id: i + 1,
        category_id: 1 + (j % 5),
        segmentation: [pts],
        area: 1,
        bbox: [x1, y1, Math.max(...xs) - x1, Math.max(...ys) - y1],
      });
    }
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="rgb(${(rnd() * 255) | 0},120,90)"/>${shapes
      .map(
        (p) =>
          `<polygon points="${p.join(' ')}" fill="rgb(${(rnd() * 255) | 0},${(rnd() * 255) | 0},200)"/>`,
      )
      .join('')}</svg>`;
    const file = `${String(i + 1).padStart(12, '0')}.jpg`;
    writeFileSync(
      join(dir, 'images', file),
      await sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer(),
    );
    images.push({
      id: i + 1,
      width: w,
      height: h,
      file_name: file,
      neg_category_ids: [],
      not_exhaustive_category_ids: [],
    });
  }
  const categories = [1, 2, 3, 4, 5].map((id) => ({
    id,
    name: `c${id}`,
    synset: `c${id}`,
    synonyms: [],
    def: '',
    frequency: 'f',
    image_count: n,
    instance_count: n,
  }));
  writeFileSync(join(dir, 'ann.json'), JSON.stringify({ images, annotations, categories }));
  return LvisDetectionDataset.fromFile(join(dir, 'ann.json'), { imageDir: join(dir, 'images') });
}

console.log(
  `@crat/data pipeline bench, batch 2, ${availableParallelism()} cores, node ${process.version}`,
);
try {
  const t0 = performance.now();
  const synth = await generateSynthDataset({ out: join(root, 'synth'), seed: 0 });
  console.log(
    `synth generation (default ${synth.counts.trainImages}+${synth.counts.valImages} images): ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const synthTrain = LvisDetectionDataset.fromFile(synth.trainAnnotationFile, {
    imageDir: synth.trainImageDir,
  });
  const synthPipe = { scales: [[128, 128]], flipRatio: 0.5 };
  for (const workers of [2, 1, 0])
    await measure('synth 128x128 -> 128x128, masks', synthTrain, synthPipe, 300, workers);

  const big = await makeLvisSized(join(root, 'big'), 16, 1333, 800, 10);
  const bigPipe = { scales: [[1333, 800]], flipRatio: 0.5 };
  for (const workers of [2, 1, 0])
    await measure('LVIS-sized 1333x800 JPEG, 10 masks', big, bigPipe, 30, workers);
  await measure(
    'LVIS-sized 1333x800 JPEG, boxes only',
    big,
    { ...bigPipe, withMasks: false },
    30,
    2,
  );

  const coco = await makeLvisSized(join(root, 'coco'), 16, 640, 480, 10);
  await measure('COCO-sized 640x480 JPEG -> 1067x800, 10 masks', coco, bigPipe, 30, 2);
} finally {
  rmSync(root, { recursive: true, force: true });
}
