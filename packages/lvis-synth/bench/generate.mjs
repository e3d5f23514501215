// Times the default synthetic dataset (3,000 train + 600 val images of 128 px) on 0, 1 and
// 2 render threads. Run with `pnpm --filter @crat/lvis-synth bench` (builds first via turbo).
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthDataset } from '../dist/index.js';

const root = mkdtempSync(join(tmpdir(), 'lvis-synth-bench-'));
console.log(`lvis-synth generation, ${availableParallelism()} cores, node ${process.version}`);
try {
  for (const workers of [2, 1, 0]) {
    const r = await generateSynthDataset({ out: join(root, `w${workers}`), seed: 0, workers });
    const images = r.counts.trainImages + r.counts.valImages;
    console.log(
      `workers=${workers}: ${r.seconds.toFixed(1)} s for ${images} images (${(images / r.seconds).toFixed(0)} images/s), ${r.counts.trainAnnotations + r.counts.valAnnotations} annotations`,
    );
    rmSync(r.out, { recursive: true, force: true });
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
