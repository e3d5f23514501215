// Benchmark script (not a test): read a ResNet-50 Mask R-CNN-sized checkpoint with this package and with torch.load, same files, same run.
//   pnpm --filter @crat/torch-checkpoint bench        (builds first; needs /usr/bin/python3 with python3-torch)
// CRAT_BENCH_DIR (default: the system temp dir) holds the generated checkpoints; CRAT_BENCH_ROUNDS (default 9).
// Each round times one load by each reader back to back, so that a busy machine slows both alike.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { readTorchCheckpoint, toFloat32, torchvisionMaskRcnnToMmdet } from '../dist/index.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const dir = process.env.CRAT_BENCH_DIR ?? join(tmpdir(), 'crat-torch-checkpoint-bench');
const python = process.env.CRAT_PYTHON ?? '/usr/bin/python3';
const rounds = Number(process.env.CRAT_BENCH_ROUNDS ?? 9);
const files = ['maskrcnn_r50_fpn_random.pth', 'maskrcnn_r50_fpn_random_legacy.pth'].map((f) =>
  join(dir, f),
);

try {
  execFileSync(python, ['-c', 'import torch, torchvision'], { stdio: 'ignore' });
} catch {
  // The reference (and the checkpoint itself) come from torch: without it there is no figure.
  console.log(
    `skipped: the reference torch.load needs ${python} with torch and torchvision ` +
      '(apt-get install python3-torch python3-torchvision; set CRAT_PYTHON for another python)',
  );
  process.exit(0);
}

if (!files.every(existsSync)) {
  console.log(`writing the checkpoints with torch.save into ${dir} ...`);
  execFileSync(python, [join(here, 'make-r50-checkpoint.py'), dir], { stdio: 'inherit' });
}

// One Python process for the whole run: torch is imported once, outside any timing.
const torchProcess = spawn(python, [join(here, 'time-torch-load.py')], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const replies = createInterface({ input: torchProcess.stdout })[Symbol.asyncIterator]();
const nextReply = async () => JSON.parse((await replies.next()).value);
const torchVersion = (await nextReply()).torch;
async function torchLoadSeconds(path) {
  torchProcess.stdin.write(`${path}\n`);
  return (await nextReply()).seconds;
}

async function oursSeconds(path, convert) {
  const t0 = performance.now();
  const ckpt = await readTorchCheckpoint(path);
  if (convert) {
    // What a conversion does beyond reading: rename, move background rows, widen to float32.
    const { tensors } = torchvisionMaskRcnnToMmdet(ckpt.tensors);
    for (const t of tensors.values()) toFloat32(t);
  }
  return (performance.now() - t0) / 1000;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (s) => `${(s * 1000).toFixed(0)} ms`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

console.log(
  `${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model} · load ${load()} · ` +
    `node ${process.version}, torch ${torchVersion} · ${rounds} rounds, medians`,
);
for (const path of files) {
  readFileSync(path); // into the page cache, for both readers
  await oursSeconds(path, false);
  await torchLoadSeconds(path);
  const ours = [];
  const torch = [];
  const convert = [];
  for (let r = 0; r < rounds; r++) {
    ours.push(await oursSeconds(path, false));
    torch.push(await torchLoadSeconds(path));
    convert.push(await oursSeconds(path, true));
  }
  const ratios = ours.map((o, i) => o / torch[i]);
  console.log(
    `${path.split('/').pop()} (${(statSync(path).size / 2 ** 20).toFixed(0)} MB): ` +
      `readTorchCheckpoint ${ms(median(ours))}, torch.load ${ms(median(torch))}, ` +
      `ours/torch per round: median ${median(ratios).toFixed(2)} (range ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}); ` +
      `read + map names + widen to float32 ${ms(median(convert))}`,
  );
}
torchProcess.stdin.end();
console.log(`load after: ${load()}`);
