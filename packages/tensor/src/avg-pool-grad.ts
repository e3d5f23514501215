// A correct average-pool gradient on the cpu and wasm backends, whose own kernels divide by the
// full window where 'same' padding clips it.

import * as tf from '@tensorflow/tfjs-core';
import {
  AvgPoolGrad,
  backend_util,
  type KernelConfig,
  type KernelFunc,
} from '@tensorflow/tfjs-core';
import { onBackendInit } from './backend.js';
import { hostMemory } from './ops/host-memory.js';

/** The pooling geometry of an AvgPoolGrad call (its attrs on the input's shape). */
export function avgPoolGradInfo(x: tf.TensorInfo, attrs: tf.NamedAttrMap): backend_util.Conv2DInfo {
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  return backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
}

/**
 * Average-pool gradient: each window's dy is shared by its in-map pixels, divided by their
 * count, as the forward divides by it. The cpu and wasm kernels divide by the full window
 * size instead, which is wrong wherever 'same' padding clips a window (measured:
 * directional derivative -0.14 vs finite differences -1.29 for a 3x3/2 'same' pool).
 */
function avgPoolGrad(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}) {
  const dy = args.inputs.dy as tf.TensorInfo;
  const x = args.inputs.input as tf.TensorInfo;
  const info = avgPoolGradInfo(x, args.attrs);
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
  const mem = hostMemory(args.backend);
  return mem.write([...x.shape], (dx) => {
    const g = mem.read(dy);
    dx.fill(0);
    for (let b = 0; b < batchSize; b++) {
      for (let oy = 0; oy < outHeight; oy++) {
        const y0 = oy * strideHeight - info.padInfo.top;
        const ya = Math.max(0, y0);
        const yb = Math.min(inHeight, y0 + info.effectiveFilterHeight);
        for (let ox = 0; ox < outWidth; ox++) {
          const x0 = ox * strideWidth - info.padInfo.left;
          const xa = Math.max(0, x0);
          const xb = Math.min(inWidth, x0 + info.effectiveFilterWidth);
          const count = Math.max(1, (yb - ya) * (xb - xa));
          const o = ((b * outHeight + oy) * outWidth + ox) * c;
          for (let yy = ya; yy < yb; yy++) {
            for (let xx = xa; xx < xb; xx++) {
              const d = ((b * inHeight + yy) * inWidth + xx) * c;
              for (let ch = 0; ch < c; ch++) dx[d + ch] += g[o + ch] / count;
            }
          }
        }
      }
    }
  });
}

const configs: KernelConfig[] = ['cpu', 'wasm'].map((backendName) => ({
  kernelName: AvgPoolGrad,
  backendName,
  kernelFunc: avgPoolGrad as unknown as KernelFunc,
}));

export function registerAvgPoolGrad(name: string): void {
  for (const config of configs) {
    if (config.backendName !== name) continue;
    const existing = tf.getKernel(config.kernelName, name);
    if (existing?.kernelFunc === config.kernelFunc) continue;
    if (existing != null) tf.unregisterKernel(config.kernelName, name);
    tf.registerKernel(config);
  }
}

onBackendInit((name) => registerAvgPoolGrad(name));
