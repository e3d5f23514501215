// RoIAlign and its gradient in WGSL for the webgpu backend: the host plan's sparse product
// (rows regrouped by output row) and its transpose (regrouped by feature pixel, built on the
// host because WGSL has no float atomics to scatter with), one thread per output value.

import type * as tf from '@tensorflow/tfjs-core';
import { inputName, type RoiAlignAttrs } from '../ops/roi-align.js';
import { planByOutputRow, transposePlan } from '../ops/roi-align-plan.js';
import { flatProgram, uploads, type WebGpuBackendLike } from './webgpu-program.js';

/** out[r, c] (+ acc[r, c]) = sum over e in ptr[r]..ptr[r+1] of wt[e] * src[index[e], c]. */
function csrGatherCode(withAcc: boolean): string {
  return `
    fn main(index: i32) {
      if (index < uniforms.size) {
        let c = uniforms.channels;
        let row = index / c;
        let ch = index - row * c;
        var sum = ${withAcc ? 'acc[index]' : '0.0'};
        for (var e = ptr[row]; e < ptr[row + 1]; e = e + 1) {
          sum = sum + wt[e] * src[at[e] * c + ch];
        }
        setOutputAtIndex(index, sum);
      }
    }
  `;
}

/** One CSR gather program, optionally adding onto `acc` (same shape as the output). */
function csrGather(
  backend: WebGpuBackendLike,
  src: tf.TensorInfo,
  csr: { ptr: tf.TensorInfo; at: tf.TensorInfo; wt: tf.TensorInfo },
  outputShape: number[],
  channels: number,
  acc?: tf.TensorInfo,
): tf.TensorInfo {
  const names = ['src', 'ptr', 'at', 'wt'];
  const inputs = [src, csr.ptr, csr.at, csr.wt];
  if (acc != null) {
    names.unshift('acc');
    inputs.unshift(acc);
  }
  const program = flatProgram(
    acc != null ? 'crat_csr_gather_acc' : 'crat_csr_gather',
    names,
    outputShape,
    csrGatherCode(acc != null),
    'channels : i32,',
  );
  return backend.runWebGPUProgram(program, inputs, 'float32', [
    { type: 'int32', data: [channels] },
  ]);
}

function forwardKernel(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { parts, rows, featureShapes } = args.attrs as unknown as RoiAlignAttrs;
  const backend = args.backend as WebGpuBackendLike;
  const channels = featureShapes[0][3];
  const up = uploads(backend);
  let out: tf.TensorInfo | undefined;
  parts.forEach((part, level) => {
    // A level no RoI was assigned to adds nothing (unless every level is empty: zeros).
    if (part.plan.col.length === 0 && (out != null || level < parts.length - 1)) return;
    const csr = planByOutputRow(part.plan, part.outRow, rows);
    const next = csrGather(
      backend,
      args.inputs[inputName(level)] as tf.TensorInfo,
      { ptr: up.int32(csr.ptr), at: up.int32(csr.index), wt: up.float32(csr.weight) },
      [rows, channels],
      channels,
      out,
    );
    if (out != null) up.intermediate(out);
    out = next;
  });
  up.release();
  return out as tf.TensorInfo;
}

/** Gradient w.r.t. one level (attr `level`): each feature pixel gathers the dy rows that read it. */
function gradKernel(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { parts, featureShapes, level } = args.attrs as unknown as RoiAlignAttrs & {
    level: number;
  };
  const backend = args.backend as WebGpuBackendLike;
  const shape = featureShapes[level];
  const [n, h, w, channels] = shape;
  const t = transposePlan(parts[level].plan, n * h * w, parts[level].outRow);
  const up = uploads(backend);
  const out = csrGather(
    backend,
    args.inputs.dy as tf.TensorInfo,
    { ptr: up.int32(t.ptr), at: up.int32(t.index), wt: up.float32(t.weight) },
    [...shape],
    channels,
  );
  up.release();
  return out;
}

export const WEBGPU_ROI_ALIGN_KERNELS = {
  forward: forwardKernel,
  grad: gradKernel,
};
