// The convolution geometry both wasm backprop kernels need, and the memory bound on their
// im2col buffers.

import { backend_util } from '@tensorflow/tfjs-core';

/** The NHWC convolution geometry both backprop kernels need, with explicit pads. */
export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  fh: number;
  fw: number;
  sh: number;
  sw: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}

export function convGeometry(
  kernel: string,
  inShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: [number, number] | number,
  pad: backend_util.ExplicitPadding | 'valid' | 'same' | number,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
  dataFormat: 'NHWC' | 'NCHW' | undefined,
): ConvGeometry {
  if (dataFormat === 'NCHW') {
    throw new Error(`@crat/tensor wasm ${kernel}: dataFormat NCHW is not supported (use NHWC)`);
  }
  const info = backend_util.computeConv2DInfo(
    inShape,
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    fh: info.filterHeight,
    fw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    padBottom: info.padInfo.bottom,
    padRight: info.padInfo.right,
  };
}

let im2colBudget = 1 << 22;

/**
 * Bound (in float32 elements, default 4M = 16 MB) on the temporary column buffer the
 * wasm convolution-gradient kernels allocate; larger problems are processed in chunks.
 */
export function setIm2colBudget(floats: number): void {
  if (!Number.isInteger(floats) || floats < 1)
    throw new Error(`setIm2colBudget: expected a positive integer, got ${floats}`);
  im2colBudget = floats;
}

/**
 * How many output positions (rows of the im2col matrix) to process at once so that the
 * column buffer stays near `maxFloats` (16 MB by default): full-size feature maps would
 * otherwise need hundreds of MB of wasm memory.
 */
export function rowsPerChunk(
  totalRows: number,
  rowFloats: number,
  maxFloats = im2colBudget,
): number {
  return Math.max(1, Math.min(totalRows, Math.floor(maxFloats / Math.max(1, rowFloats))));
}
