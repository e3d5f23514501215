import * as tf from '@tensorflow/tfjs-core';

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Deterministic pseudo-random values in [-1, 1) (no dependence on a backend's RNG). */
export function seededValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export function seeded(shape: number[], seed: number, scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = seededValues(n, seed);
  for (let i = 0; i < n; i++) v[i] *= scale;
  return tf.tensor(v, shape);
}

/**
 * Run `fn` on each backend in turn and return its flattened results per backend, read with
 * `data()` (webgpu has no synchronous reads of GPU tensors in Node).
 */
export async function onBackends(
  backends: string[],
  fn: () => tf.Tensor[],
): Promise<Record<string, Float32Array[]>> {
  const out: Record<string, Float32Array[]> = {};
  for (const b of backends) {
    await tf.setBackend(b);
    const tensors = tf.tidy(fn);
    out[b] = await Promise.all(tensors.map(async (t) => Float32Array.from(await t.data())));
    tf.dispose(tensors);
  }
  return out;
}
