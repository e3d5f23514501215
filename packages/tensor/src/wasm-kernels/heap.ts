// The wasm kernels' access to tensors in the module's linear memory, and to the backend's own
// kernels, without the copies `dataSync` makes.

import * as tf from '@tensorflow/tfjs-core';

/**
 * The slice of `@tensorflow/tfjs-backend-wasm`'s `BackendWasm` these kernels use. Tensors
 * live in the module's linear memory; reading and writing them through typed-array views on
 * that memory avoids the copy `dataSync` makes.
 */
export interface WasmBackendLike {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: tf.DataId): boolean;
}

export function asWasmBackend(backend: unknown): WasmBackendLike {
  const b = backend as Partial<WasmBackendLike>;
  if (b?.wasm?.HEAPU8 == null || b.dataIdMap == null || typeof b.makeOutput !== 'function') {
    throw new Error(
      '@crat/tensor wasm kernel: called with a backend that is not tfjs-backend-wasm',
    );
  }
  return b as WasmBackendLike;
}

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * A float32 view of a tensor's memory. Views go stale when the wasm memory grows, so take
 * them again after every allocation (`alloc` or any kernel call).
 */
export function f32(backend: WasmBackendLike, t: tf.TensorInfo): Float32Array {
  const { memoryOffset } = backend.dataIdMap.get(t.dataId);
  return new Float32Array(backend.wasm.HEAPU8.buffer, memoryOffset, sizeOf(t.shape));
}

export function i32(backend: WasmBackendLike, t: tf.TensorInfo): Int32Array {
  const { memoryOffset } = backend.dataIdMap.get(t.dataId);
  return new Int32Array(backend.wasm.HEAPU8.buffer, memoryOffset, sizeOf(t.shape));
}

/** A new uninitialised float32 tensor in wasm memory. */
export function alloc(backend: WasmBackendLike, shape: number[]): tf.TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

export function release(backend: WasmBackendLike, t: tf.TensorInfo): void {
  backend.disposeData(t.dataId);
}

/** Run one of the wasm backend's own kernels (XNNPACK matmul/conv) without the engine. */
export function runWasmKernel(
  name: string,
  backend: WasmBackendLike,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
): tf.TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (kernel == null) throw new Error(`@crat/tensor: the wasm backend has no '${name}' kernel`);
  const out = kernel.kernelFunc({ inputs, backend: backend as unknown as tf.KernelBackend, attrs });
  if (Array.isArray(out)) throw new Error(`@crat/tensor: wasm '${name}' returned several outputs`);
  return out as tf.TensorInfo;
}

export function assertFloat32(kernel: string, ...ts: tf.TensorInfo[]): void {
  for (const t of ts) {
    if (t.dtype !== 'float32') {
      throw new Error(`@crat/tensor wasm ${kernel}: only float32 is supported, got ${t.dtype}`);
    }
  }
}
