// Turn a strided view of a storage's bytes into a C-contiguous typed array, checking it stays inside the storage.

import {
  ELEMENT_SIZE,
  numelOf,
  type TensorData,
  type TorchDType,
  typedArrayOver,
} from '../dtypes.js';

/** Strides of a C-contiguous tensor of `shape`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i];
  }
  return out;
}

function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  const want = contiguousStrides(shape);
  // A stride along a dimension of size 1 never moves, so torch leaves it arbitrary.
  return shape.every((d, i) => d === 1 || stride[i] === want[i]);
}

/** Element size → an unsigned typed array of that width, so any dtype's bits copy unchanged. */
function wordsOf(bytes: Uint8Array, elementSize: number): Uint8Array | Uint16Array | Uint32Array {
  const { buffer, byteOffset, byteLength } = bytes;
  if (elementSize === 1) return bytes;
  if (elementSize === 2) return new Uint16Array(buffer, byteOffset, byteLength / 2);
  return new Uint32Array(buffer, byteOffset, byteLength / 4);
}

/**
 * Copy `shape` elements of `dtype` at `offset` + Σ index·stride (in elements) out of `storage`
 * (whose byte offset is a multiple of 8). A contiguous view of the whole storage is returned
 * without a copy, sharing memory as torch does; anything else is copied. Throws when the view
 * reaches past the storage's end.
 */
export function stridedToContiguous(
  storage: Uint8Array,
  dtype: TorchDType,
  offset: number,
  shape: readonly number[],
  stride: readonly number[],
): TensorData {
  const es = ELEMENT_SIZE[dtype];
  const storageNumel = Math.floor(storage.byteLength / es);
  const numel = numelOf(shape);
  if (numel === 0) return typedArrayOver(dtype, new Uint8Array(0));
  let last = offset;
  for (let i = 0; i < shape.length; i++) last += (shape[i] - 1) * stride[i];
  if (last >= storageNumel) {
    throw new Error(
      `the view (offset ${offset}, size [${shape}], stride [${stride}]) reaches element ${last}, ` +
        `but the storage holds ${storageNumel} ${dtype} element(s)`,
    );
  }
  if (isContiguous(shape, stride)) {
    if (offset === 0 && numel === storageNumel && storage.byteLength === numel * es) {
      return typedArrayOver(dtype, storage);
    }
    return typedArrayOver(dtype, storage.slice(offset * es, (offset + numel) * es));
  }
  const out = new Uint8Array(numel * es);
  // 8-byte elements move as two 32-bit words (a Float64Array could rewrite NaN payloads).
  const words = es === 8 ? 2 : 1;
  const src = wordsOf(storage, es);
  const dst = wordsOf(out, es);
  const index = new Array<number>(shape.length).fill(0);
  let from = offset;
  for (let n = 0; n < numel; n++) {
    for (let w = 0; w < words; w++) dst[n * words + w] = src[from * words + w];
    // Odometer over the index, innermost dimension fastest.
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) {
        from += stride[d];
        break;
      }
      from -= (shape[d] - 1) * stride[d];
      index[d] = 0;
    }
  }
  return typedArrayOver(dtype, out);
}

/** Reverse the bytes of every element in place (a big-endian `byteorder` record). */
export function swapBytes(bytes: Uint8Array, elementSize: number): void {
  if (elementSize === 1) return;
  for (let i = 0; i + elementSize <= bytes.length; i += elementSize) {
    for (let a = i, b = i + elementSize - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}
