// A correct bilinear-resize gradient on the cpu and wasm backends, replacing the cpu kernel,
// which is wrong for PyTorch's align_corners=False interpolation.

import * as tf from '@tensorflow/tfjs-core';
import { type KernelConfig, type KernelFunc, ResizeBilinearGrad } from '@tensorflow/tfjs-core';
import { onBackendInit } from './backend.js';
import { hostMemory } from './ops/host-memory.js';

/** The forward's source rows (or columns) and fraction for each output index. */
function axisMap(
  outSize: number,
  inSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
) {
  const effIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const ratio = effIn / effOut;
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const src = halfPixelCenters ? ratio * (o + 0.5) - 0.5 : ratio * o;
    lo[o] = Math.max(0, Math.floor(src));
    hi[o] = Math.min(inSize - 1, Math.ceil(src));
    frac[o] = src - lo[o];
  }
  return { lo, hi, frac };
}

/**
 * Bilinear resize gradient as the exact transpose of tfjs's forward (same source indices
 * and fractions). Replaces the cpu kernel, which is wrong with halfPixelCenters (measured:
 * directional derivative 5.22 vs finite differences 2.50 for 4x4 -> 7x9), i.e. for PyTorch's
 * align_corners=False interpolation; registered on wasm too so both backends agree.
 */
function resizeBilinearGrad(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}) {
  const images = args.inputs.images as tf.TensorInfo;
  const dy = args.inputs.dy as tf.TensorInfo;
  const { alignCorners, halfPixelCenters } = args.attrs as unknown as {
    alignCorners: boolean;
    halfPixelCenters: boolean;
  };
  const [batch, inH, inW, c] = images.shape;
  const [, outH, outW] = dy.shape;
  const rows = axisMap(outH, inH, alignCorners, halfPixelCenters);
  const cols = axisMap(outW, inW, alignCorners, halfPixelCenters);
  const mem = hostMemory(args.backend);
  return mem.write([batch, inH, inW, c], (dx) => {
    const g = mem.read(dy);
    dx.fill(0);
    for (let b = 0; b < batch; b++) {
      for (let r = 0; r < outH; r++) {
        const fr = rows.frac[r];
        const top = (b * inH + rows.lo[r]) * inW;
        const bot = (b * inH + rows.hi[r]) * inW;
        for (let col = 0; col < outW; col++) {
          const fc = cols.frac[col];
          const wTL = (1 - fr) * (1 - fc);
          const wTR = (1 - fr) * fc;
          const wBL = fr * (1 - fc);
          const wBR = fr * fc;
          const tl = (top + cols.lo[col]) * c;
          const tr = (top + cols.hi[col]) * c;
          const bl = (bot + cols.lo[col]) * c;
          const br = (bot + cols.hi[col]) * c;
          const o = ((b * outH + r) * outW + col) * c;
          for (let ch = 0; ch < c; ch++) {
            const v = g[o + ch];
            dx[tl + ch] += wTL * v;
            dx[tr + ch] += wTR * v;
            dx[bl + ch] += wBL * v;
            dx[br + ch] += wBR * v;
          }
        }
      }
    }
  });
}

const configs: KernelConfig[] = ['cpu', 'wasm'].map((backendName) => ({
  kernelName: ResizeBilinearGrad,
  backendName,
  kernelFunc: resizeBilinearGrad as unknown as KernelFunc,
}));

export function registerResizeBilinearGrad(name: string): void {
  for (const config of configs) {
    if (config.backendName !== name) continue;
    const existing = tf.getKernel(config.kernelName, name);
    if (existing?.kernelFunc === config.kernelFunc) continue;
    if (existing != null) tf.unregisterKernel(config.kernelName, name);
    tf.registerKernel(config);
  }
}

onBackendInit((name) => registerResizeBilinearGrad(name));
