// `crat` with the stand-in detector (fake-detector.ts) in its own process, for the signal
// tests (test/interrupt.test.ts). Run with `node --import jiti/register`; arguments as `crat`'s.
// Each training step blocks the thread for CRAT_TEST_STEP_MS (as a real step's tensor work
// does) after printing `step N`; with CRAT_TEST_SAVE_MS, each weights save prints
// `saving weights` and waits that long first.

import { buildProgram } from '../../src/program.js';
import { registerDetectorBackend } from '../../src/run/detector-api.js';
import { fakeDetectorBackend } from './fake-detector.js';

const stepMs = Number(process.env.CRAT_TEST_STEP_MS ?? 0);
const saveMs = Number(process.env.CRAT_TEST_SAVE_MS ?? 0);
const backend = fakeDetectorBackend();
const blocker = new Int32Array(new SharedArrayBuffer(4));
backend.onStep = (iter) => {
  console.log(`step ${iter + 1}`);
  if (stepMs) Atomics.wait(blocker, 0, 0, stepMs);
};
const save = backend.saveWeights;
backend.saveWeights = async (model, path) => {
  if (saveMs) {
    console.log('saving weights');
    await new Promise((r) => setTimeout(r, saveMs));
  }
  await save(model, path);
};
registerDetectorBackend(backend);

await buildProgram()
  .parseAsync(['node', 'crat', ...process.argv.slice(2)])
  .catch((err: unknown) => {
    console.error(`crat: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
