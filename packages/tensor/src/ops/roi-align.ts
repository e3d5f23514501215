import * as tf from '@tensorflow/tfjs-core';
import { hostMemory } from './host-memory.js';
import {
  applyPlan,
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

const ROI_ALIGN = 'CratRoiAlign';
const ROI_ALIGN_GRAD = 'CratRoiAlignGrad';

interface PlanAttrs {
  plan: RoiAlignPlan;
  featureShape: [number, number, number, number];
}

function forwardKernel(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}) {
  const { plan, featureShape } = args.attrs as unknown as PlanAttrs;
  const mem = hostMemory(args.backend);
  const channels = featureShape[3];
  const feat = mem.read(args.inputs.features as tf.TensorInfo);
  return mem.write([plan.rows, channels], (out) => applyPlan(plan, feat, channels, out));
}

function gradKernel(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}) {
  const { plan, featureShape } = args.attrs as unknown as PlanAttrs;
  const mem = hostMemory(args.backend);
  const channels = featureShape[3];
  const dy = mem.read(args.inputs.dy as tf.TensorInfo);
  return mem.write([...featureShape], (out) => applyPlanTransposed(plan, dy, channels, out));
}

const HOST_BACKENDS = ['cpu', 'wasm'];
let registered = false;

/** Register the RoIAlign kernels (cpu, wasm) and their gradient; idempotent. */
export function registerRoiAlignKernels(): void {
  if (registered) return;
  registered = true;
  for (const backendName of HOST_BACKENDS) {
    tf.registerKernel({
      kernelName: ROI_ALIGN,
      backendName,
      kernelFunc: forwardKernel as unknown as tf.KernelFunc,
    });
    tf.registerKernel({
      kernelName: ROI_ALIGN_GRAD,
      backendName,
      kernelFunc: gradKernel as unknown as tf.KernelFunc,
    });
  }
  tf.registerGradient({
    kernelName: ROI_ALIGN,
    gradFunc: (dy, _saved, attrs) => ({
      features: () =>
        tf
          .engine()
          .runKernel(
            ROI_ALIGN_GRAD,
            { dy: dy as tf.Tensor },
            attrs as unknown as tf.NamedAttrMap,
          ) as tf.Tensor,
    }),
  });
}
registerRoiAlignKernels();

/**
 * The same sparse product with differentiable tf ops (gather, weight, segment sum) for
 * backends without host memory access (the native TensorFlow backends).
 */
function roiAlignWithOps(features: tf.Tensor4D, plan: RoiAlignPlan): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, h, w, c] = features.shape;
    const flat = tf.reshape(features, [n * h * w, c]);
    const rowOf = new Int32Array(plan.col.length);
    for (let r = 0; r < plan.rows; r++) rowOf.fill(r, plan.rowPtr[r], plan.rowPtr[r + 1]);
    const picked = tf.gather(flat, tf.tensor1d(plan.col, 'int32'));
    const weighted = tf.mul(picked, tf.tensor2d(plan.weight, [plan.weight.length, 1]));
    return tf.unsortedSegmentSum(weighted, tf.tensor1d(rowOf, 'int32'), plan.rows) as tf.Tensor2D;
  });
}

/**
 * RoIAlign with torchvision semantics on NHWC features. rois: [K, 5] rows
 * (batchIndex, x1, y1, x2, y2) in image pixels. Returns [K, PH, PW, C], differentiable
 * w.r.t. `features` (not `rois`). Sample positions and bilinear weights are computed once
 * on the host; forward and backward are a sparse product and its transpose.
 */
export function roiAlign(
  features: tf.Tensor4D,
  rois: tf.Tensor2D,
  opts: RoiAlignOptions,
): tf.Tensor4D {
  if (features.rank !== 4)
    throw new Error(`roiAlign: features must be [N, H, W, C], got shape [${features.shape}]`);
  if (rois.rank !== 2 || rois.shape[1] !== 5) {
    throw new Error(
      `roiAlign: rois must be [K, 5] (batchIndex, x1, y1, x2, y2), got shape [${rois.shape}]`,
    );
  }
  const [n, h, w, c] = features.shape;
  const [ph, pw] = opts.outputSize;
  const plan = planRoiAlign(rois.dataSync(), {
    batch: n,
    height: h,
    width: w,
    outputSize: opts.outputSize,
    spatialScale: opts.spatialScale,
    samplingRatio: opts.samplingRatio,
    aligned: opts.aligned,
  });
  const k = rois.shape[0];
  return tf.tidy(() => {
    let flat: tf.Tensor2D;
    if (HOST_BACKENDS.includes(tf.getBackend())) {
      const attrs: PlanAttrs = { plan, featureShape: [n, h, w, c] };
      flat = tf
        .engine()
        .runKernel(ROI_ALIGN, { features }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D;
    } else {
      flat = roiAlignWithOps(features, plan);
    }
    return tf.reshape(flat, [k, ph, pw, c]);
  });
}
