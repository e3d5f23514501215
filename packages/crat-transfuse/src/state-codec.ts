// Float32 matrices in a checkpoint's plug-in state: exact base64 bytes out, base64 or nested
// number arrays in, with errors naming the field.

import type { JsonValue } from '@crat/core';

/** A float32 array in a checkpoint: base64 of its little-endian bytes (exact and ~4x smaller than JSON numbers). */
export interface EncodedFloat32 {
  dtype: 'float32';
  shape: number[];
  base64: string;
}

export class CratStateError extends Error {
  override name = 'CratStateError';
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeFloat32(data: Float32Array, shape: number[]): EncodedFloat32 {
  if (!littleEndian)
    throw new CratStateError('big-endian hosts are not supported for state encoding');
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return { dtype: 'float32', shape: [...shape], base64: bytes.toString('base64') };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Decode a float32 matrix from a checkpoint: either `{ dtype: 'float32', shape, base64 }` or
 * nested number arrays `[rows][cols]` (convenient for hand-written or fixture state).
 */
export function decodeFloat32Matrix(
  v: JsonValue | undefined,
  where: string,
): { data: Float32Array; shape: [number, number] } {
  if (Array.isArray(v)) {
    const rows = v.length;
    const cols = rows > 0 && Array.isArray(v[0]) ? (v[0] as JsonValue[]).length : 0;
    const data = new Float32Array(rows * cols);
    v.forEach((row, r) => {
      if (!Array.isArray(row) || row.length !== cols) {
        throw new CratStateError(`${where}[${r}]: expected an array of ${cols} numbers`);
      }
      row.forEach((x, c) => {
        if (typeof x !== 'number')
          throw new CratStateError(
            `${where}[${r}][${c}]: expected a number, got ${JSON.stringify(x)}`,
          );
        data[r * cols + c] = x;
      });
    });
    return { data, shape: [rows, cols] };
  }
  if (
    !isRecord(v) ||
    v.dtype !== 'float32' ||
    typeof v.base64 !== 'string' ||
    !Array.isArray(v.shape)
  ) {
    throw new CratStateError(
      `${where}: expected { dtype: 'float32', shape: [rows, cols], base64 } or a nested number array`,
    );
  }
  const shape = v.shape as unknown[];
  if (shape.length !== 2 || !shape.every((s) => Number.isInteger(s) && (s as number) >= 0)) {
    throw new CratStateError(`${where}.shape: expected [rows, cols], got ${JSON.stringify(shape)}`);
  }
  const bytes = Buffer.from(v.base64, 'base64');
  const [rows, cols] = shape as [number, number];
  if (bytes.byteLength !== rows * cols * 4) {
    throw new CratStateError(
      `${where}.base64: ${bytes.byteLength} bytes, expected ${rows * cols * 4} for shape [${rows}, ${cols}]`,
    );
  }
  const data = new Float32Array(rows * cols);
  new Uint8Array(data.buffer).set(bytes);
  return { data, shape: [rows, cols] };
}
