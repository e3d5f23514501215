// RoIAlign as a differentiable op: host-memory kernels and their gradient on cpu and wasm (WGSL
// ones on webgpu register under the same names), the same sparse products with tf ops elsewhere.

import * as tf from '@tensorflow/tfjs-core';
import { hostMemory, registerHostKernels } from './host-memory.js';
import {
  applyPlanInto,
  applyPlanTransposed,
  planRoiAlign,
  type RoiAlignPlan,
} from './roi-align-plan.js';

export interface RoiAlignOptions {
  /** [PH, PW] */
  outputSize: [number, number];
  /** feature-map pixels per image pixel (1 / stride) */
  spatialScale: number;
  /** samples per bin side; 0 = adaptive ceil(roi size / output size), as torchvision */
  samplingRatio: number;
  /** true: pixel centres at +0.5 (torchvision aligned=True, what mmdetection uses) */
  aligned: boolean;
}

export const ROI_ALIGN = 'CratRoiAlign';
export const ROI_ALIGN_GRAD = 'CratRoiAlignGrad';

/** The RoIs pooled from one feature level: its plan and where each plan row goes in the output. */
export interface RoiAlignPart {
  plan: RoiAlignPlan;
  outRow: Int32Array;
}

/** Kernel attributes: one part per input `f0, f1, ...` (one per feature level). */
export interface RoiAlignAttrs {
  parts: RoiAlignPart[];
  rows: number;
  featureShapes: [number, number, number, number][];
}

export const inputName = (level: number) => `f${level}`;

function forwardKernel(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}) {
  const { parts, rows, featureShapes } = args.attrs as unknown as RoiAlignAttrs;
  const mem = hostMemory(args.backend);
  const channels = featureShapes[0][3];
  const feats = parts.map((_, l) => mem.read(args.inputs[inputName(l)] as tf.TensorInfo));
  return mem.write([rows, channels], (out) => {
    out.fill(0);
    parts.forEach((part, l) => {
      applyPlanInto(part.plan, part.outRow, feats[l], channels, out);
    });
  });
}

/** Gradient w.r.t. one level (attr `level`): the transposed product of that level's part. */
function gradKernel(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}) {
  const { parts, featureShapes, level } = args.attrs as unknown as RoiAlignAttrs & {
    level: number;
  };
  const mem = hostMemory(args.backend);
  const channels = featureShapes[0][3];
  return mem.write([...featureShapes[level]], (out) =>
    applyPlanTransposed(
      parts[level].plan,
      mem.read(args.inputs.dy as tf.TensorInfo),
      channels,
      out,
      parts[level].outRow,
    ),
  );
}

let registered = false;

/** Register the RoIAlign kernels (cpu, wasm) and their gradient; idempotent. */
export function registerRoiAlignKernels(): void {
  if (registered) return;
  registered = true;
  registerHostKernels({ [ROI_ALIGN]: forwardKernel, [ROI_ALIGN_GRAD]: gradKernel });
  tf.registerGradient({
    kernelName: ROI_ALIGN,
    gradFunc: (dy, _saved, attrs) => {
      // One kernel call per level, so each input's gradient is computed only if the tape asks.
      const { parts } = attrs as unknown as RoiAlignAttrs;
      return Object.fromEntries(
        parts.map((_, level) => [
          inputName(level),
          () =>
            tf.engine().runKernel(ROI_ALIGN_GRAD, { dy: dy as tf.Tensor }, {
              ...attrs,
              level,
            } as unknown as tf.NamedAttrMap) as tf.Tensor,
        ]),
      );
    },
  });
}
registerRoiAlignKernels();

/**
 * The same sparse products with differentiable tf ops (gather, weight, segment sum) for
 * backends without a kernel of their own (the native TensorFlow backends).
 */
function roiAlignWithOps(
  features: tf.Tensor4D[],
  parts: RoiAlignPart[],
  rows: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const c = features[0].shape[3];
    let out: tf.Tensor2D = tf.zeros([rows, c]);
    parts.forEach((part, l) => {
      const { plan, outRow } = part;
      if (plan.col.length === 0) return;
      const [n, h, w] = features[l].shape;
      const flat = tf.reshape(features[l], [n * h * w, c]);
      const rowOf = new Int32Array(plan.col.length);
      for (let r = 0; r < plan.rows; r++) rowOf.fill(outRow[r], plan.rowPtr[r], plan.rowPtr[r + 1]);
      const picked = tf.gather(flat, tf.tensor1d(plan.col, 'int32'));
      const weighted = tf.mul(picked, tf.tensor2d(plan.weight, [plan.weight.length, 1]));
      out = tf.add(out, tf.unsortedSegmentSum(weighted, tf.tensor1d(rowOf, 'int32'), rows));
    });
    return out;
  });
}

/**
 * Pool `parts` (each RoI set planned against its level) into one [rows, C] tensor,
 * differentiable w.r.t. every feature level. The building block of roiAlign and
 * multiLevelRoiAlign: one kernel call, no concat/gather to restore RoI order.
 */
export function pooledRows(
  features: tf.Tensor4D[],
  parts: RoiAlignPart[],
  rows: number,
): tf.Tensor2D {
  const c = features[0].shape[3];
  for (const f of features) {
    if (f.shape[3] !== c)
      throw new Error(
        `roiAlign: feature levels have different channel counts (${c}, ${f.shape[3]})`,
      );
  }
  // A backend with the kernel (cpu and wasm on host memory, webgpu in WGSL) runs it; others the ops.
  if (tf.getKernel(ROI_ALIGN, tf.getBackend()) == null)
    return roiAlignWithOps(features, parts, rows);
  const inputs: tf.NamedTensorMap = {};
  features.forEach((f, l) => {
    inputs[inputName(l)] = f;
  });
  const attrs: RoiAlignAttrs = { parts, rows, featureShapes: features.map((f) => f.shape) };
  return tf
    .engine()
    .runKernel(ROI_ALIGN, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}

/**
 * RoIAlign with torchvision semantics on NHWC features. rois: K x 5 host rows
 * (batchIndex, x1, y1, x2, y2) in image pixels. Returns [K, PH, PW, C], differentiable
 * w.r.t. `features` (not `rois`). Sample positions and bilinear weights are computed once
 * on the host; forward and backward are a sparse product and its transpose.
 */
export function roiAlign(
  features: tf.Tensor4D,
  rois: Float32Array,
  opts: RoiAlignOptions,
): tf.Tensor4D {
  if (features.rank !== 4)
    throw new Error(`roiAlign: features must be [N, H, W, C], got shape [${features.shape}]`);
  if (rois.length % 5 !== 0) {
    throw new Error(
      `roiAlign: rois must be K x 5 rows (batchIndex, x1, y1, x2, y2), got ${rois.length} values`,
    );
  }
  const [n, h, w, c] = features.shape;
  const [ph, pw] = opts.outputSize;
  const plan = planRoiAlign(rois, {
    batch: n,
    height: h,
    width: w,
    outputSize: opts.outputSize,
    spatialScale: opts.spatialScale,
    samplingRatio: opts.samplingRatio,
    aligned: opts.aligned,
  });
  const outRow = Int32Array.from({ length: plan.rows }, (_, i) => i);
  const k = rois.length / 5;
  return tf.tidy(() =>
    tf.reshape(pooledRows([features], [{ plan, outRow }], plan.rows), [k, ph, pw, c]),
  );
}
