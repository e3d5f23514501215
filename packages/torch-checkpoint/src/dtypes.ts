// The element types a checkpoint's storages can hold, their sizes and the typed arrays that carry them.

/** Element type of a tensor, named as in `torch.<dtype>`. */
export type TorchDType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

/**
 * The typed array that carries each dtype. JavaScript has no 16-bit float array in Node 20, so
 * float16 and bfloat16 keep their raw bit patterns in a `Uint16Array` (`toFloat32` widens them
 * exactly); bool is one byte per element, 0 or 1.
 */
export interface TensorDataOf {
  float32: Float32Array;
  float64: Float64Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  int64: BigInt64Array;
  int32: Int32Array;
  int16: Int16Array;
  int8: Int8Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}

export type TensorData = TensorDataOf[TorchDType];

/**
 * A tensor read from a checkpoint: C-contiguous (row-major) data of `shape`, whatever view
 * (offset, strides) the file stored. `kind` tells it apart from the other unpickled values.
 */
export type TorchTensor = {
  [D in TorchDType]: {
    readonly kind: 'tensor';
    readonly dtype: D;
    readonly shape: readonly number[];
    readonly data: TensorDataOf[D];
  };
}[TorchDType];

export const ELEMENT_SIZE: Readonly<Record<TorchDType, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** A typed array of `dtype` over `bytes` (whose byte offset must be a multiple of the element size). */
export function typedArrayOver(dtype: TorchDType, bytes: Uint8Array): TensorData {
  const { buffer, byteOffset } = bytes;
  const n = bytes.byteLength / ELEMENT_SIZE[dtype];
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, byteOffset, n);
    case 'float64':
      return new Float64Array(buffer, byteOffset, n);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(buffer, byteOffset, n);
    case 'int64':
      return new BigInt64Array(buffer, byteOffset, n);
    case 'int32':
      return new Int32Array(buffer, byteOffset, n);
    case 'int16':
      return new Int16Array(buffer, byteOffset, n);
    case 'int8':
      return new Int8Array(buffer, byteOffset, n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer, byteOffset, n);
  }
}

/** Number of elements of `shape` (1 for a 0-d tensor). */
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Whether `value` is a tensor read from a checkpoint (as opposed to another unpickled value). */
export function isTorchTensor(value: unknown): value is TorchTensor {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'tensor' &&
    ArrayBuffer.isView((value as { data?: unknown }).data)
  );
}
