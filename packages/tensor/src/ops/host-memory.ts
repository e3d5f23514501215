// Zero-copy access to tensors' float32 storage on the cpu and wasm backends, so host-side
// kernels can be plain loops over typed arrays.

import * as tf from '@tensorflow/tfjs-core';

/**
 * Direct access to a tensor's float32 storage on the cpu and wasm backends (no copy), for
 * kernels written as loops over typed arrays. Other backends have no such access.
 */
export interface HostMemory {
  read(t: tf.TensorInfo): Float32Array;
  /** Allocate an output and let `fill` write it (its view is valid only inside `fill`). */
  write(shape: number[], fill: (out: Float32Array) => void): tf.TensorInfo;
}

interface WasmLike {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

interface CpuLike {
  data: { get(dataId: tf.DataId): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function hostMemory(backend: unknown): HostMemory {
  const w = backend as Partial<WasmLike>;
  if (w.wasm?.HEAPU8 != null && w.dataIdMap != null && typeof w.makeOutput === 'function') {
    const wb = w as WasmLike;
    const view = (t: tf.TensorInfo) =>
      new Float32Array(
        wb.wasm.HEAPU8.buffer,
        wb.dataIdMap.get(t.dataId).memoryOffset,
        size(t.shape),
      );
    return {
      read: view,
      write(shape, fill) {
        const out = wb.makeOutput(shape, 'float32');
        fill(view(out));
        return out;
      },
    };
  }
  const c = backend as Partial<CpuLike>;
  if (c.data != null && typeof c.makeTensorInfo === 'function') {
    const cb = c as CpuLike;
    return {
      read(t) {
        const v = cb.data.get(t.dataId).values;
        return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
      },
      write(shape, fill) {
        const values = new Float32Array(size(shape));
        fill(values);
        return cb.makeTensorInfo(shape, 'float32', values);
      },
    };
  }
  throw new Error('@crat/tensor: host-memory kernels run on the cpu and wasm backends only');
}

/** The backends whose tensors `hostMemory` reaches: kernels written on it run only there. */
export const HOST_BACKENDS: readonly string[] = ['cpu', 'wasm'];

/** Register host-memory kernels by name on every backend in {@link HOST_BACKENDS}. */
export function registerHostKernels(kernels: Record<string, unknown>): void {
  for (const backendName of HOST_BACKENDS) {
    for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
      tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as tf.KernelFunc });
    }
  }
}
