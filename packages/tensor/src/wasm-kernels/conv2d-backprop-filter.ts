// The convolution filter gradient for the wasm backend, which lacks it: one XNNPACK matrix
// product over an im2col matrix built in bounded chunks.

import type * as tf from '@tensorflow/tfjs-core';
import { Conv2DBackpropFilter, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
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
 * Filter gradient of an NHWC convolution as ONE matrix product on XNNPACK:
 *   dW[(kh,kw,ci), co] = colT[(kh,kw,ci), m] @ dy[m, co],   m = (n, oh, ow),
 * where colT is the transposed im2col matrix of the input. colT is laid out so that the
 * product has no transposed operand: the wasm BatchMatMul is ~10x slower with
 * transposeA (measured: 178 ms vs 15 ms for 576x8192x64). colT is filled from a
 * channel-major copy of x so every (kernel tap, channel, image row) is one contiguous
 * `set` of a row segment (stride 1). Large inputs are processed in chunks of output
 * positions whose partial products are summed.
 */
function conv2dBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = asWasmBackend(args.backend);
  const x = args.inputs.x as tf.TensorInfo;
  const dy = args.inputs.dy as tf.TensorInfo;
  assertFloat32('Conv2DBackpropFilter', x, dy);
  const attrs = args.attrs as unknown as {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number;
    dataFormat?: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  const g = convGeometry(
    'Conv2DBackpropFilter',
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    attrs.pad,
    attrs.dimRoundingMode,
    attrs.dataFormat,
  );
  const k = g.fh * g.fw * g.inC;
  const m = g.batch * g.outH * g.outW;
  const out = alloc(backend, [1, k, g.outC]);
  f32(backend, out).fill(0);
  if (m === 0) return { ...out, shape: attrs.filterShape };

  // Channel-major copy of x: xT[c][n][h][w].
  const xT = channelMajor(backend, x, g);
  const rowsPerImageRow = g.outW;
  const chunkRows = Math.max(rowsPerImageRow, rowsPerChunk(m, k));
  const chunkImageRows = Math.floor(chunkRows / rowsPerImageRow);
  const totalImageRows = g.batch * g.outH;
  for (let r0 = 0; r0 < totalImageRows; r0 += chunkImageRows) {
    const r1 = Math.min(totalImageRows, r0 + chunkImageRows);
    const rows = (r1 - r0) * g.outW;
    const colT = alloc(backend, [1, k, rows]);
    fillColT(backend, xT, colT, g, r0, r1);
    let dyChunk: tf.TensorInfo;
    let ownsDyChunk = false;
    if (rows === m) {
      dyChunk = { dataId: dy.dataId, shape: [1, m, g.outC], dtype: 'float32' };
    } else {
      dyChunk = alloc(backend, [1, rows, g.outC]);
      ownsDyChunk = true;
      const src = f32(backend, dy);
      f32(backend, dyChunk).set(src.subarray(r0 * g.outW * g.outC, r1 * g.outW * g.outC));
    }
    const part = runWasmKernel(
      'BatchMatMul',
      backend,
      { a: colT, b: dyChunk },
      { transposeA: false, transposeB: false },
    );
    release(backend, colT);
    if (ownsDyChunk) release(backend, dyChunk);
    const acc = f32(backend, out);
    const p = f32(backend, part);
    for (let i = 0; i < acc.length; i++) acc[i] += p[i];
    release(backend, part);
  }
  release(backend, xT);
  return { ...out, shape: attrs.filterShape };
}

function channelMajor(backend: WasmBackendLike, x: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo {
  const xT = alloc(backend, [g.inC, g.batch, g.inH, g.inW]);
  const src = f32(backend, x);
  const dst = f32(backend, xT);
  const plane = g.batch * g.inH * g.inW;
  const c = g.inC;
  // Blocked so both the reads and the writes of a block stay in cache.
  const block = 32;
  for (let p0 = 0; p0 < plane; p0 += block) {
    const p1 = Math.min(plane, p0 + block);
    for (let ci = 0; ci < c; ci++) {
      const d = ci * plane;
      for (let p = p0; p < p1; p++) dst[d + p] = src[p * c + ci];
    }
  }
  return xT;
}

/**
 * colT[(kh,kw,ci)][row] for output image rows [r0, r1) (an image row = (n, oh)). Copies run
 * with `copyWithin` on one view of the wasm heap (source and destination share it), one
 * block of consecutive image rows at a time when input and output rows have the same
 * width (stride 1, "same" padding); the few out-of-image border columns are zeroed after.
 */
function fillColT(
  backend: WasmBackendLike,
  xT: tf.TensorInfo,
  colT: tf.TensorInfo,
  g: ConvGeometry,
  r0: number,
  r1: number,
): void {
  const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
  // Unsigned shift: offsets past 2 GiB are valid in the 4 GiB wasm32 heap, and a signed shift
  // turns them negative, which fill/copyWithin read as counted from the heap's END (it wrote
  // over other tensors and the allocator's metadata once the heap grew past 2 GiB).
  const srcBase = backend.dataIdMap.get(xT.dataId).memoryOffset >>> 2;
  const dstBase = backend.dataIdMap.get(colT.dataId).memoryOffset >>> 2;
  const rows = (r1 - r0) * g.outW;
  const plane = g.batch * g.inH * g.inW;
  const blockCopy = g.sw === 1 && g.inW === g.outW;
  for (let kh = 0; kh < g.fh; kh++) {
    // Output rows oh whose input row oh*sh + kh - padTop lies inside [0, inH).
    const dy = kh - g.padTop;
    const ohLo = Math.max(0, Math.ceil(-dy / g.sh));
    const ohHi = Math.min(g.outH, Math.floor((g.inH - 1 - dy) / g.sh) + 1);
    for (let kw = 0; kw < g.fw; kw++) {
      // Output columns ow whose input column ow*sw + kw - padLeft lies inside [0, inW).
      const dx = kw - g.padLeft;
      const owLo = Math.max(0, Math.ceil(-dx / g.sw));
      const owHi = Math.min(g.outW, Math.floor((g.inW - 1 - dx) / g.sw) + 1);
      for (let ci = 0; ci < g.inC; ci++) {
        const rowBase = dstBase + ((kh * g.fw + kw) * g.inC + ci) * rows;
        const cBase = srcBase + ci * plane;
        let r = r0;
        while (r < r1) {
          const n = Math.floor(r / g.outH);
          const rEnd = Math.min(r1, (n + 1) * g.outH); // rows of image n in this chunk
          const oh0 = r - n * g.outH;
          const oh1 = rEnd - n * g.outH;
          const v0 = Math.max(oh0, ohLo);
          const v1 = Math.min(oh1, ohHi);
          const o = rowBase + (r - r0) * g.outW; // destination of (n, oh0)
          if (v1 <= v0 || owHi <= owLo) {
            heap.fill(0, o, o + (oh1 - oh0) * g.outW);
          } else {
            heap.fill(0, o, o + (v0 - oh0) * g.outW);
            heap.fill(0, o + (v1 - oh0) * g.outW, o + (oh1 - oh0) * g.outW);
            const img = cBase + n * g.inH * g.inW;
            if (blockCopy) {
              const s = img + (v0 * g.sh + dy) * g.inW + dx;
              const d = o + (v0 - oh0) * g.outW;
              heap.copyWithin(d + owLo, s + owLo, s + (v1 - v0) * g.outW - (g.outW - owHi));
              for (let oh = v0; oh < v1; oh++) {
                const rd = o + (oh - oh0) * g.outW;
                for (let ow = 0; ow < owLo; ow++) heap[rd + ow] = 0;
                for (let ow = owHi; ow < g.outW; ow++) heap[rd + ow] = 0;
              }
            } else {
              for (let oh = v0; oh < v1; oh++) {
                const rd = o + (oh - oh0) * g.outW;
                const s = img + (oh * g.sh + dy) * g.inW + dx;
                if (owLo > 0) heap.fill(0, rd, rd + owLo);
                if (owHi < g.outW) heap.fill(0, rd + owHi, rd + g.outW);
                if (g.sw === 1) heap.copyWithin(rd + owLo, s + owLo, s + owHi);
                else for (let ow = owLo; ow < owHi; ow++) heap[rd + ow] = heap[s + ow * g.sw];
              }
            }
          }
          r = rEnd;
        }
      }
    }
  }
}

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as KernelFunc,
};
