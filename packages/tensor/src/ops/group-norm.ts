// Group normalization of NHWC activations (Wu & He, 2018; PyTorch `GroupNorm`). On the cpu
// and wasm backends its forward and backward are host kernels, one pass each over the values in
// place: built from tfjs ops, the per-group reductions over non-innermost axes (which wasm
// does by transposing) cost as much as the 3x3 conv GN follows. webgpu has WGSL kernels under
// the same names; other backends use the ops.

import * as tf from '@tensorflow/tfjs-core';
import { hostMemory, registerHostKernels } from './host-memory.js';

export const GROUP_NORM = 'CratGroupNorm';
export const GROUP_NORM_GRAD = 'CratGroupNormGrad';

export interface GroupNormAttrs {
  numGroups: number;
  eps: number;
}

/** Shape facts and the group of each channel. */
function layout(shape: readonly number[], numGroups: number) {
  const [n, h, w, c] = shape as [number, number, number, number];
  const cg = c / numGroups;
  return {
    n,
    hw: h * w,
    c,
    g: numGroups,
    group: Int32Array.from({ length: c }, (_, k) => (k / cg) | 0),
  };
}

/**
 * Per image and group: mean and 1/sqrt(var + eps) (biased variance, as PyTorch), in one pass
 * of float64 sums (`var = E[x²] - E[x]²` is exact enough in double precision).
 */
function groupStats(x: Float32Array, l: ReturnType<typeof layout>, eps: number) {
  const { n, hw, c, g, group } = l;
  const mean = new Float64Array(n * g);
  const rstd = new Float64Array(n * g);
  const count = (hw * c) / g;
  const sum = new Float64Array(g);
  const sq = new Float64Array(g);
  for (let b = 0; b < n; b++) {
    sum.fill(0);
    sq.fill(0);
    const end = (b + 1) * hw * c;
    for (let i = b * hw * c, k = 0; i < end; i++) {
      const v = x[i];
      const j = group[k];
      sum[j] += v;
      sq[j] += v * v;
      if (++k === c) k = 0;
    }
    for (let j = 0; j < g; j++) {
      const m = sum[j] / count;
      mean[b * g + j] = m;
      rstd[b * g + j] = 1 / Math.sqrt(Math.max(sq[j] / count - m * m, 0) + eps);
    }
  }
  return { mean, rstd };
}

function forwardKernel(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}) {
  const { numGroups, eps } = args.attrs as unknown as GroupNormAttrs;
  const mem = hostMemory(args.backend);
  const xInfo = args.inputs.x as tf.TensorInfo;
  const l = layout(xInfo.shape, numGroups);
  const x = mem.read(xInfo);
  const gamma = mem.read(args.inputs.gamma as tf.TensorInfo);
  const beta = mem.read(args.inputs.beta as tf.TensorInfo);
  const { mean, rstd } = groupStats(x, l, eps);
  const { n, hw, c, g, group } = l;
  return mem.write([...xInfo.shape], (y) => {
    for (let b = 0; b < n; b++) {
      for (let i = b * hw * c, end = (b + 1) * hw * c, k = 0; i < end; i++) {
        const s = b * g + group[k];
        y[i] = (x[i] - mean[s]) * rstd[s] * gamma[k] + beta[k];
        if (++k === c) k = 0;
      }
    }
  });
}

/**
 * One of the three gradients (`attrs.wrt`): `dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat))`
 * per group with `dxhat = dy gamma`, `dgamma = Σ dy xhat`, `dbeta = Σ dy` per channel. One kernel
 * call per gradient, because the tape asks for each in its own scope (a tensor made for a
 * later one would be disposed before it is used) and may not ask for all.
 */
function gradKernel(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}) {
  const { numGroups, eps, wrt } = args.attrs as unknown as GroupNormAttrs & {
    wrt: 'x' | 'gamma' | 'beta';
  };
  const mem = hostMemory(args.backend);
  const xInfo = args.inputs.x as tf.TensorInfo;
  const l = layout(xInfo.shape, numGroups);
  const { n, hw, c, g, group } = l;
  const x = mem.read(xInfo);
  const dy = mem.read(args.inputs.dy as tf.TensorInfo);
  if (wrt === 'beta') {
    const sum = new Float64Array(c);
    for (let i = 0, k = 0; i < dy.length; i++) {
      sum[k] += dy[i];
      if (++k === c) k = 0;
    }
    return mem.write([c], (out) => out.set(sum));
  }
  const { mean, rstd } = groupStats(x, l, eps);
  if (wrt === 'gamma') {
    const sum = new Float64Array(c);
    for (let b = 0; b < n; b++) {
      for (let i = b * hw * c, end = (b + 1) * hw * c, k = 0; i < end; i++) {
        const s = b * g + group[k];
        sum[k] += dy[i] * (x[i] - mean[s]) * rstd[s];
        if (++k === c) k = 0;
      }
    }
    return mem.write([c], (out) => out.set(sum));
  }
  const gamma = mem.read(args.inputs.gamma as tf.TensorInfo);
  const m1 = new Float64Array(n * g);
  const m2 = new Float64Array(n * g);
  const count = (hw * c) / g;
  for (let b = 0; b < n; b++) {
    for (let i = b * hw * c, end = (b + 1) * hw * c, k = 0; i < end; i++) {
      const s = b * g + group[k];
      const dxhat = dy[i] * gamma[k];
      m1[s] += dxhat;
      m2[s] += dxhat * (x[i] - mean[s]) * rstd[s];
      if (++k === c) k = 0;
    }
  }
  for (let s = 0; s < n * g; s++) {
    m1[s] /= count;
    m2[s] /= count;
  }
  return mem.write([...xInfo.shape], (out) => {
    for (let b = 0; b < n; b++) {
      for (let i = b * hw * c, end = (b + 1) * hw * c, k = 0; i < end; i++) {
        const s = b * g + group[k];
        const xhat = (x[i] - mean[s]) * rstd[s];
        out[i] = rstd[s] * (dy[i] * gamma[k] - m1[s] - xhat * m2[s]);
        if (++k === c) k = 0;
      }
    }
  });
}

let registered = false;

/** Register the GroupNorm kernels (cpu, wasm) and their gradient; idempotent. */
export function registerGroupNormKernels(): void {
  if (registered) return;
  registered = true;
  registerHostKernels({ [GROUP_NORM]: forwardKernel, [GROUP_NORM_GRAD]: gradKernel });
  tf.registerGradient({
    kernelName: GROUP_NORM,
    inputsToSave: ['x', 'gamma'],
    gradFunc: (dy, saved, attrs) => {
      const [x, gamma] = saved as [tf.Tensor, tf.Tensor];
      const grad = (wrt: 'x' | 'gamma' | 'beta') => () =>
        tf.engine().runKernel(GROUP_NORM_GRAD, { x, gamma, dy: dy as tf.Tensor }, {
          ...attrs,
          wrt,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
      return { x: grad('x'), gamma: grad('gamma'), beta: grad('beta') };
    },
  });
}
registerGroupNormKernels();

/** The same normalisation with differentiable tf ops, for backends without a kernel of their own. */
function groupNormWithOps(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  g: number,
  eps: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const grouped = tf.reshape(x, [n, h * w, g, c / g]);
    const { mean, variance } = tf.moments(grouped, [1, 3], true);
    const normed = tf.reshape(tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, eps))), [
      n,
      h,
      w,
      c,
    ]);
    return tf.add(tf.mul(normed, gamma), beta) as tf.Tensor4D;
  });
}

/**
 * `x` `[N, H, W, C]` with its channels split into `numGroups` groups, each normalised per image
 * over H, W and the group's channels, then `* gamma + beta` per channel. Differentiable with
 * respect to all three inputs.
 */
export function groupNorm(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  numGroups: number,
  eps = 1e-5,
): tf.Tensor4D {
  const c = x.shape[3];
  if (c % numGroups !== 0) {
    throw new Error(`groupNorm: ${c} channels do not split into ${numGroups} groups`);
  }
  // A backend with the kernel (cpu and wasm on host memory, webgpu in WGSL) runs it; others the ops.
  if (tf.getKernel(GROUP_NORM, tf.getBackend()) == null)
    return groupNormWithOps(x, gamma, beta, numGroups, eps);
  const attrs: GroupNormAttrs = { numGroups, eps };
  return tf
    .engine()
    .runKernel(GROUP_NORM, { x, gamma, beta }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
