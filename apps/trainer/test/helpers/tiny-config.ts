// The tiny `crat train` config the end-to-end tests share.

import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '../../../..');

/**
 * A config over a 16-image synthetic set of 48 px (made under `root/synth` on first use),
 * 4 classes, 12 steps on the CPU backend: `crat train` end to end in seconds with the
 * stand-in detector. Vary it with `--cfg-options` (`cfgOptions`).
 */
export function writeTinyConfig(root: string, name = 'tiny.ts'): string {
  const file = join(root, name);
  const data = join(root, 'synth');
  writeFileSync(
    file,
    `import { defineConfig } from '@crat/trainer';
export default defineConfig({
  _base_: ['${join(REPO, 'configs/synth/eqlv2_crat.ts')}'],
  model: { numClasses: 4 },
  dataset: {
    train: { annFile: '${data}/annotations/lvis_v1_train.json', imgDir: '${data}/train2017' },
    val: { annFile: '${data}/annotations/lvis_v1_val.json', imgDir: '${data}/val2017' },
    synth: { outDir: '${data}', seed: 2, trainImages: 16, valImages: 8, size: 48, families: 2, variants: 2, workers: 0 },
  },
  pipeline: { train: { scales: [[48, 48]] }, test: { scale: [48, 48] } },
  data: { batchSize: 2, workers: 0, prefetch: 2 },
  optimizer: { lr: 0.02 },
  schedule: { by: 'iter', length: 12, warmup: { type: 'linear', iters: 2, ratio: 0.1 }, policy: { type: 'step', milestones: [8], gamma: 0.1 } },
  checkpoint: { interval: 5, maxKeep: 0 },
  evaluation: { interval: 12 },
  log: { interval: 4 },
  backend: 'cpu',
});
`,
  );
  return file;
}
