// Tensors as exact JSON (base64 bytes), for optimizer state and plug-in state in checkpoints.

import type { JsonValue } from '@crat/core';
import * as tf from '@tensorflow/tfjs-core';

/** A tensor as JSON: little-endian float32/int32 bytes in base64, so it round-trips exactly. */
export interface EncodedTensor {
  dtype: 'float32' | 'int32';
  shape: number[];
  base64: string;
}

/** Read back asynchronously (checkpoint save awaits it on every backend). */
export async function encodeTensor(t: tf.Tensor): Promise<EncodedTensor> {
  if (t.dtype !== 'float32' && t.dtype !== 'int32') {
    throw new TypeError(`encodeTensor: dtype ${t.dtype} is not float32 or int32`);
  }
  const data = (await t.data()) as Float32Array | Int32Array;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return { dtype: t.dtype, shape: [...t.shape], base64: bytes.toString('base64') };
}

export function decodeTensor(e: EncodedTensor, where = 'tensor'): tf.Tensor {
  if (
    !e ||
    (e.dtype !== 'float32' && e.dtype !== 'int32') ||
    !Array.isArray(e.shape) ||
    typeof e.base64 !== 'string'
  ) {
    throw new TypeError(`${where}: expected { dtype: 'float32' | 'int32', shape, base64 }`);
  }
  const bytes = Buffer.from(e.base64, 'base64');
  const size = e.shape.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== size * 4) {
    throw new RangeError(
      `${where}: ${bytes.byteLength} bytes for shape [${e.shape}] (${size * 4} expected)`,
    );
  }
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  const values =
    e.dtype === 'float32' ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer);
  return tf.tensor(values, e.shape, e.dtype);
}

export async function encodeTensorMap(
  map: Record<string, tf.Tensor>,
): Promise<{ [name: string]: JsonValue }> {
  const out: { [name: string]: JsonValue } = {};
  for (const [k, t] of Object.entries(map))
    out[k] = (await encodeTensor(t)) as unknown as JsonValue;
  return out;
}
