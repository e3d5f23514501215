// A short training run in its own process that SIGKILLs itself at one chosen moment, for
// the fault-injection test (test/kill-resume.test.ts). Run with `node --import jiti/register`:
//   kill-child.ts WORK_DIR KILL_AT [WEIGHTS_OUT]
// KILL_AT: `none`, `step:K` (after step K, before its checkpoint), `weights:K` (half-way
// through writing step K's weights), `rename:K` (before step K's checkpoint folder is renamed
// into place), `last:K` (before last_checkpoint names it), `replace:K` (step K's existing
// checkpoint moved aside, its replacement not yet renamed in). Resumes when the work dir
// has a checkpoint. Writes the final weights to WEIGHTS_OUT when the run completes.

import fs from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';
import { initBackend } from '@crat/tensor';
import { buildLrSchedule, runTraining, type WeightsIO } from '../../src/train/index.js';
import { makeToy, toyTraining } from './toy.js';

const [workDir, killAt = 'none', weightsOut] = process.argv.slice(2) as [string, string, string?];
const [moment, at] = killAt.split(':') as [string, string?];
const killIter = Number(at);
const die = () => process.kill(process.pid, 'SIGKILL');

// The checkpoint's own renames, intercepted for the moments between them.
const realRename = fs.promises.rename;
fs.promises.rename = async (from: fs.PathLike, to: fs.PathLike) => {
  const src = basename(String(from));
  const dst = basename(String(to));
  const name = `iter_${String(killIter).padStart(6, '0')}`;
  if (moment === 'rename' && src.startsWith(`.${name}.`) && src.endsWith('.tmp') && dst === name)
    die();
  if (
    moment === 'last' &&
    dst === 'last_checkpoint' &&
    fs.existsSync(`${workDir}/checkpoints/${name}`)
  )
    die();
  if (moment === 'replace' && src.startsWith(`.${name}.`) && src.endsWith('.tmp')) {
    if (fs.readdirSync(`${workDir}/checkpoints`).some((n) => n.endsWith('.old'))) die();
  }
  return realRename(from, to);
};
syncBuiltinESMExports();

await initBackend('cpu');
const toy = makeToy();
let iter = 0;
const weights: WeightsIO = {
  fileName: toy.weights.fileName,
  async save(path) {
    if (moment === 'weights' && iter === killIter) {
      await toy.weights.save(`${path}.full`);
      const full = fs.readFileSync(`${path}.full`);
      fs.writeFileSync(path, full.subarray(0, full.length >> 1));
      die();
    }
    await toy.weights.save(path);
  },
  load: (path) => toy.weights.load(path),
};
const result = await runTraining(
  toyTraining(toy, workDir, {
    accumulationSteps: 2,
    schedule: buildLrSchedule({
      baseLr: 0.05,
      by: 'iter',
      length: 30,
      itersPerEpoch: 6,
      warmup: { type: 'linear', iters: 4, ratio: 0.1 },
      policy: { type: 'step', milestones: [20], gamma: 0.1 },
    }),
    optimizer: { momentum: 0.9, weightDecay: 1e-3, gradClip: { maxNorm: 2 } },
    weights,
    checkpointInterval: 5,
    resume: true,
    hooks: [
      {
        afterStep: (loop) => {
          iter = loop.iter;
          if (moment === 'step' && iter === killIter) die();
        },
      },
    ],
  }),
);
if (weightsOut && result.status === 'completed') {
  const out = Object.fromEntries(
    Object.entries(toy.params).map(([k, v]) => [k, Array.from(v.dataSync())]),
  );
  await writeFile(weightsOut, JSON.stringify(out));
}
console.log(JSON.stringify(result));
