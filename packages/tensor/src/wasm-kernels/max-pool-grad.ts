// A correct max-pool gradient for the wasm backend, whose own kernel returns wrong values.

import type * as tf from '@tensorflow/tfjs-core';
import {
  backend_util,
  type KernelConfig,
  type KernelFunc,
  MaxPoolGrad,
} from '@tensorflow/tfjs-core';
import { alloc, assertFloat32, asWasmBackend, f32 } from './heap.js';

/**
 * Max-pool gradient: dy of each window goes to the window's first maximum. Replaces the
 * wasm backend's MaxPoolGrad, which returns wrong values (measured here: the directional
 * derivative disagrees with finite differences and with cpu, e.g. 4.38 vs 2.35 for a 2x2/2
 * 'same' pool on 6x5). One pass over the windows on the wasm heap.
 */
function maxPoolGrad(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = asWasmBackend(args.backend);
  const dy = args.inputs.dy as tf.TensorInfo;
  const x = args.inputs.input as tf.TensorInfo;
  assertFloat32('MaxPoolGrad', dy, x);
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const info = backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const out = alloc(backend, x.shape);
  const dx = f32(backend, out);
  const xs = f32(backend, x);
  const g = f32(backend, dy);
  dx.fill(0);
  const {
    batchSize,
    inHeight,
    inWidth,
    inChannels: c,
    outHeight,
    outWidth,
    strideHeight,
    strideWidth,
  } = info;
  const fh = info.effectiveFilterHeight;
  const fw = info.effectiveFilterWidth;
  const best = new Float32Array(c);
  const arg = new Int32Array(c);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * strideHeight - info.padInfo.top;
      const ya = Math.max(0, y0);
      const yb = Math.min(inHeight, y0 + fh);
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = ox * strideWidth - info.padInfo.left;
        const xa = Math.max(0, x0);
        const xb = Math.min(inWidth, x0 + fw);
        best.fill(Number.NEGATIVE_INFINITY);
        arg.fill(-1);
        for (let yy = ya; yy < yb; yy++) {
          for (let xx = xa; xx < xb; xx++) {
            const base = ((b * inHeight + yy) * inWidth + xx) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = xs[base + ch];
              if (v > best[ch]) {
                best[ch] = v;
                arg[ch] = base + ch;
              }
            }
          }
        }
        const o = ((b * outHeight + oy) * outWidth + ox) * c;
        for (let ch = 0; ch < c; ch++) if (arg[ch] >= 0) dx[arg[ch]] += g[o + ch];
      }
    }
  }
  return out;
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};
