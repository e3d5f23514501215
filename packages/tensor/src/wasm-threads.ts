// Starting tfjs-backend-wasm's multi-threaded build under Node, which its own loader does not do.

import { randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Make tfjs-backend-wasm's multi-threaded (pthreads + SIMD) build start under Node.
 *
 * The stock loader disables threads on Node, and forcing them on fails because:
 * 1. Emscripten's pthread pool creates its workers from a `blob:` URL, which Node's
 *    `Worker` rejects (ERR_WORKER_PATH). We write the worker script to a real file and
 *    hand that path out from `URL.createObjectURL` for the duration of the init.
 * 2. The worker then loads the main script from a Blob the same way; we patch the worker
 *    script to load `tfjs-backend-wasm-threaded-simd.js` from node_modules instead.
 * 3. The C++ side sizes its thread pool as `logical cores / 2` (it assumes
 *    hyper-threading), i.e. 1 on a 2-core machine, so during the init `os.cpus()` reports
 *    `2 * threads` entries.
 * Returns a function that undoes the patches (call it once the backend is ready).
 */
export function prepareThreadedWasm(threads: number): () => void {
  const require = createRequire(import.meta.url);
  const wasmOut = join(
    dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')),
    'wasm-out',
  );
  const mainScript = join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = require(
    join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js'),
  ) as {
    wasmWorkerContents: string;
  };
  const blobImport =
    'var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)';
  if (!wasmWorkerContents.includes(blobImport)) {
    throw new Error(
      '@crat/tensor: unexpected tfjs-backend-wasm worker script; cannot enable threads',
    );
  }
  // The embedded script escapes newlines inside string literals as real newlines.
  const script = wasmWorkerContents
    .replace(blobImport, `importScripts(${JSON.stringify(mainScript)})`)
    .replace(/\n/g, '\\n');
  const workerPath = join(os.tmpdir(), `crat-tfjs-wasm-threaded-worker-${tf.version_core}.cjs`);
  const tmp = `${workerPath}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, script);
  renameSync(tmp, workerPath);

  const realCreateObjectURL = URL.createObjectURL;
  URL.createObjectURL = (obj: Blob) =>
    obj instanceof Blob && obj.type === 'application/javascript'
      ? workerPath
      : realCreateObjectURL(obj);
  const realCpus = os.cpus;
  os.cpus = () => {
    const cpus = realCpus();
    return Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]);
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  return () => {
    URL.createObjectURL = realCreateObjectURL;
    os.cpus = realCpus;
  };
}
