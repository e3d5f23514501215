// A check that code reads tensors only asynchronously: the synchronous reads made to throw while
// it runs, as they fail on backends without them (webgpu in Node).

import * as tf from '@tensorflow/tfjs-core';

const SYNC_READS = ['dataSync', 'arraySync', 'bufferSync'] as const;

/**
 * Run `fn` with `dataSync()`, `arraySync()` and `bufferSync()` throwing on every tensor, then
 * restore them: what a test runs a training step or an inference through to show it works
 * where only `await t.data()` does. Patches the prototype of the tensors the engine actually
 * makes (the ESM and CJS copies of tfjs-core each have a Tensor class) and tfjs-core's own.
 */
export async function withoutSyncReads<T>(fn: () => Promise<T>): Promise<T> {
  const probe = tf.scalar(0);
  const protos = new Set<Record<string, unknown>>([
    Object.getPrototypeOf(probe) as Record<string, unknown>,
    tf.Tensor.prototype as unknown as Record<string, unknown>,
  ]);
  probe.dispose();
  const saved = [...protos].map((p) => SYNC_READS.map((n) => p[n]));
  for (const p of protos) {
    for (const n of SYNC_READS) {
      p[n] = () => {
        throw new Error(
          `${n}() called where only asynchronous reads are allowed (webgpu in Node has none)`,
        );
      };
    }
  }
  try {
    return await fn();
  } finally {
    [...protos].forEach((p, i) => {
      SYNC_READS.forEach((n, j) => {
        p[n] = saved[i]![j];
      });
    });
  }
}
