// The wasm backend's convolution input gradient, replaced by one built on XNNPACK because the
// built-in is a slow scalar loop.

import type * as tf from '@tensorflow/tfjs-core';
import { Conv2DBackpropInput, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { type ConvGeometry, convGeometry, rowsPerChunk } from './conv-geometry.js';
import {
  alloc,
  assertFloat32,
  asWasmBackend,
  f32,
  release,
  runWasmKernel,
  type WasmBackendLike,
} from './heap.js';

/**
 * Input gradient of an NHWC convolution (also conv2dTranspose's forward). The wasm
 * backend's own kernel is a scalar loop (measured 152 ms for a 3x3 64->64 conv on
 * 2x64x64, ten times its forward), so this replaces it:
 * - stride 1: a stride-1 XNNPACK convolution of dy with the spatially flipped,
 *   in/out-swapped filter and the complementary explicit padding (as fast as the forward);
 * - stride > 1: col = dy @ W^T on XNNPACK ([M, Co] x [Co, KH*KW*Ci]), then col2im: each
 *   column block is added into dx at its strided offset (a pure rearrangement when the
 *   kernel equals the stride, e.g. the mask head's 2x2/2 deconvolution). Processed in
 *   chunks of output positions to bound memory.
 */
function conv2dBackpropInput(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = asWasmBackend(args.backend);
  const dy = args.inputs.dy as tf.TensorInfo;
  const filter = args.inputs.filter as tf.TensorInfo;
  assertFloat32('Conv2DBackpropInput', dy, filter);
  const attrs = args.attrs as unknown as {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number;
    dataFormat?: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    inputShape: [number, number, number, number];
  };
  const g = convGeometry(
    'Conv2DBackpropInput',
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.pad,
    attrs.dimRoundingMode,
    attrs.dataFormat,
  );
  const flippedPads = [
    g.fh - 1 - g.padTop,
    g.fh - 1 - g.padBottom,
    g.fw - 1 - g.padLeft,
    g.fw - 1 - g.padRight,
  ];
  if (g.sh === 1 && g.sw === 1 && flippedPads.every((p) => p >= 0))
    return viaConvolution(backend, dy, filter, g);
  return viaCol2im(backend, dy, filter, g, attrs.inputShape);
}

/**
 * dst[off + c * rows + r] = src[so + r * cols + c]: a rows x cols transpose in 32 x 32 tiles, so
 * reads and writes both stay in cache (a plain double loop strides one side by a whole row);
 * filters are transposed on every step.
 */
function transposeInto(
  src: Float32Array,
  so: number,
  rows: number,
  cols: number,
  dst: Float32Array,
  off: number,
): void {
  const t = 32;
  for (let r0 = 0; r0 < rows; r0 += t) {
    const r1 = Math.min(rows, r0 + t);
    for (let c0 = 0; c0 < cols; c0 += t) {
      const c1 = Math.min(cols, c0 + t);
      for (let c = c0; c < c1; c++) {
        const d = off + c * rows;
        for (let r = r0; r < r1; r++) dst[d + r] = src[so + r * cols + c];
      }
    }
  }
}

function viaConvolution(
  backend: WasmBackendLike,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo {
  // flipped[kh][kw][co][ci] = W[fh-1-kh][fw-1-kw][ci][co]
  const flipped = alloc(backend, [g.fh, g.fw, g.outC, g.inC]);
  const w = f32(backend, filter);
  const f = f32(backend, flipped);
  for (let kh = 0; kh < g.fh; kh++) {
    for (let kw = 0; kw < g.fw; kw++) {
      const src = ((g.fh - 1 - kh) * g.fw + (g.fw - 1 - kw)) * g.inC * g.outC;
      const dst = (kh * g.fw + kw) * g.outC * g.inC;
      transposeInto(w, src, g.inC, g.outC, f, dst);
    }
  }
  const pad = [
    [0, 0],
    [g.fh - 1 - g.padTop, g.fh - 1 - g.padBottom],
    [g.fw - 1 - g.padLeft, g.fw - 1 - g.padRight],
    [0, 0],
  ];
  const dx = runWasmKernel('Conv2D', backend, { x: dy, filter: flipped }, {
    strides: [1, 1],
    pad,
    dataFormat: 'NHWC',
    dilations: [1, 1],
    dimRoundingMode: undefined,
  } as unknown as tf.NamedAttrMap);
  release(backend, flipped);
  return dx;
}

function viaCol2im(
  backend: WasmBackendLike,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
  inputShape: number[],
): tf.TensorInfo {
  const k = g.fh * g.fw * g.inC;
  const dx = alloc(backend, inputShape);
  f32(backend, dx).fill(0);
  const m = g.batch * g.outH * g.outW;
  if (m === 0) return dx;
  // W^T [Co, K] built on the host: the wasm matmul with transposeB is ~10x slower
  // (measured 48 ms vs 3.8 ms for 2048x64 @ 64x576). The filter [fh, fw, ci, co] is the
  // row-major [K, Co] matrix W.
  const wT = alloc(backend, [1, g.outC, k]);
  {
    const w = f32(backend, filter);
    const t = f32(backend, wT);
    transposeInto(w, 0, k, g.outC, t, 0);
  }
  const chunkImageRows = Math.max(1, Math.floor(rowsPerChunk(m, k) / g.outW));
  const totalImageRows = g.batch * g.outH;
  for (let r0 = 0; r0 < totalImageRows; r0 += chunkImageRows) {
    const r1 = Math.min(totalImageRows, r0 + chunkImageRows);
    const rows = (r1 - r0) * g.outW;
    let dyChunk: tf.TensorInfo;
    let owns = false;
    if (rows === m) {
      dyChunk = { dataId: dy.dataId, shape: [1, m, g.outC], dtype: 'float32' };
    } else {
      dyChunk = alloc(backend, [1, rows, g.outC]);
      owns = true;
      f32(backend, dyChunk).set(
        f32(backend, dy).subarray(r0 * g.outW * g.outC, r1 * g.outW * g.outC),
      );
    }
    const col = runWasmKernel(
      'BatchMatMul',
      backend,
      { a: dyChunk, b: wT },
      { transposeA: false, transposeB: false },
    );
    if (owns) release(backend, dyChunk);
    col2imAdd(f32(backend, col), f32(backend, dx), g, r0, r1);
    release(backend, col);
  }
  release(backend, wT);
  return dx;
}

/** dx[n, oh*sh+kh-pt, ow*sw+kw-pl, :] += col[(n,oh,ow), (kh,kw,:)] for image rows [r0, r1). */
function col2imAdd(
  col: Float32Array,
  dx: Float32Array,
  g: ConvGeometry,
  r0: number,
  r1: number,
): void {
  const c = g.inC;
  const k = g.fh * g.fw * c;
  for (let r = r0; r < r1; r++) {
    const n = Math.floor(r / g.outH);
    const oh = r - n * g.outH;
    for (let kh = 0; kh < g.fh; kh++) {
      const ih = oh * g.sh + kh - g.padTop;
      if (ih < 0 || ih >= g.inH) continue;
      const dxRow = (n * g.inH + ih) * g.inW;
      for (let ow = 0; ow < g.outW; ow++) {
        const colBase = ((r - r0) * g.outW + ow) * k + kh * g.fw * c;
        for (let kw = 0; kw < g.fw; kw++) {
          const iw = ow * g.sw + kw - g.padLeft;
          if (iw < 0 || iw >= g.inW) continue;
          const d = (dxRow + iw) * c;
          const s = colBase + kw * c;
          for (let ci = 0; ci < c; ci++) dx[d + ci] += col[s + ci];
        }
      }
    }
  }
}

export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput as unknown as KernelFunc,
};
