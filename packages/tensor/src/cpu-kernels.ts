// The cpu backend's kernels replaced because they are wrong (nearest-resize gradient) or far
// too slow (unsorted segment sum), registered when the cpu backend starts.

import * as tf from '@tensorflow/tfjs-core';
import {
  type KernelConfig,
  type KernelFunc,
  ResizeNearestNeighborGrad,
  UnsortedSegmentSum,
} from '@tensorflow/tfjs-core';
import { onBackendInit } from './backend.js';

interface CpuBackendLike {
  data: { get(dataId: tf.DataId): { values: ArrayLike<number> } };
  makeTensorInfo(
    shape: number[],
    dtype: tf.DataType,
    values: Float32Array | Int32Array,
  ): tf.TensorInfo;
}

/**
 * Nearest-neighbour resize gradient: each output pixel's dy goes to the input pixel the
 * forward pass read, with the forward's own index mapping (align-corners / half-pixel).
 * Replaces the cpu backend's kernel, which returns wrong values for upsampling (measured:
 * exactly twice the finite-difference derivative for 3x3 -> 6x6); the wasm kernel is right.
 */
function resizeNearestNeighborGrad(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as CpuBackendLike;
  const images = args.inputs.images as tf.TensorInfo;
  const dy = args.inputs.dy as tf.TensorInfo;
  const { alignCorners, halfPixelCenters } = args.attrs as unknown as {
    alignCorners: boolean;
    halfPixelCenters: boolean;
  };
  const [batch, inH, inW, c] = images.shape;
  const [, outH, outW] = dy.shape;
  const g = backend.data.get(dy.dataId).values;
  const dx = new Float32Array(batch * inH * inW * c);
  const source = (o: number, inSize: number, outSize: number): number => {
    const effIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
    const effOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
    const ratio = effIn / effOut;
    const frac = halfPixelCenters ? ratio * (o + 0.5) : ratio * o;
    let s = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    if (halfPixelCenters) s = Math.max(0, s);
    return s;
  };
  const rowSrc = Array.from({ length: outH }, (_, r) => source(r, inH, outH));
  const colSrc = Array.from({ length: outW }, (_, col) => source(col, inW, outW));
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outH; r++) {
      for (let col = 0; col < outW; col++) {
        const s = ((b * inH + rowSrc[r]) * inW + colSrc[col]) * c;
        const o = ((b * outH + r) * outW + col) * c;
        for (let ch = 0; ch < c; ch++) dx[s + ch] += g[o + ch];
      }
    }
  }
  return backend.makeTensorInfo(images.shape, 'float32', dx);
}

export const cpuResizeNearestNeighborGradConfig: KernelConfig = {
  kernelName: ResizeNearestNeighborGrad,
  backendName: 'cpu',
  kernelFunc: resizeNearestNeighborGrad as unknown as KernelFunc,
};

/**
 * out[segmentIds[i], ...] += x[i, ...]. The cpu backend's kernel loops over every segment
 * and masks the whole input each time, O(numSegments * size(x)): the gradient of a gather
 * of 512 RoI features ran for minutes. One scatter-add pass instead.
 */
function unsortedSegmentSum(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}) {
  const backend = args.backend as CpuBackendLike;
  const x = args.inputs.x as tf.TensorInfo;
  const ids = args.inputs.segmentIds as tf.TensorInfo;
  const { numSegments } = args.attrs as unknown as { numSegments: number };
  const idRank = ids.shape.length;
  for (let d = 0; d < idRank; d++) {
    if (ids.shape[d] !== x.shape[d]) {
      throw new Error(
        `UnsortedSegmentSum: segmentIds shape [${ids.shape}] is not a prefix of x shape [${x.shape}]`,
      );
    }
  }
  const innerShape = x.shape.slice(idRank);
  const inner = innerShape.reduce((a, b) => a * b, 1);
  const src = backend.data.get(x.dataId).values;
  const seg = backend.data.get(ids.dataId).values;
  const dst =
    x.dtype === 'int32'
      ? new Int32Array(numSegments * inner)
      : new Float32Array(numSegments * inner);
  for (let i = 0; i < seg.length; i++) {
    const s = seg[i];
    if (s < 0 || s >= numSegments) continue;
    const o = s * inner;
    const b = i * inner;
    for (let j = 0; j < inner; j++) dst[o + j] += src[b + j];
  }
  return backend.makeTensorInfo(
    [numSegments, ...innerShape],
    x.dtype === 'int32' ? 'int32' : 'float32',
    dst,
  );
}

export const cpuUnsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'cpu',
  kernelFunc: unsortedSegmentSum as unknown as KernelFunc,
};

const configs = [cpuResizeNearestNeighborGradConfig, cpuUnsortedSegmentSumConfig];

/** Kernels this package replaces on the cpu backend (see README for why). */
export const CPU_KERNEL_FIXES: readonly string[] = configs.map((c) => c.kernelName);

export function registerCpuKernelFixes(): void {
  for (const config of configs) {
    const existing = tf.getKernel(config.kernelName, 'cpu');
    if (existing?.kernelFunc === config.kernelFunc) continue;
    if (existing != null) tf.unregisterKernel(config.kernelName, 'cpu');
    tf.registerKernel(config);
  }
}

onBackendInit((name) => {
  if (name === 'cpu') registerCpuKernelFixes();
});
