// Group normalization of NHWC activations (Wu & He, 2018; PyTorch `GroupNorm`), forward and
// backward computed in one pass each on the host: built from tfjs ops, the per-group
// reductions over non-innermost axes cost as much as the 3x3 conv GN follows on wasm (tensor
// bench), while these loops over the values cost a few percent of it.

import * as tf from '@tensorflow/tfjs-core';

/**
 * Per image and group: mean and 1/sqrt(var + eps) (biased variance, as PyTorch), in one pass
 * of float64 sums (`var = E[x²] - E[x]²` is exact enough in double precision).
 */
function groupStats(
  x: Float32Array,
  n: number,
  hw: number,
  c: number,
  g: number,
  group: Int32Array,
  eps: number,
): { mean: Float64Array; rstd: Float64Array } {
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
  const [n, h, w, c] = x.shape;
  if (c % numGroups !== 0) {
    throw new Error(`groupNorm: ${c} channels do not split into ${numGroups} groups`);
  }
  const g = numGroups;
  const cg = c / g;
  const hw = h * w;
  const group = Int32Array.from({ length: c }, (_, k) => (k / cg) | 0);
  const op = tf.customGrad((xi, gi, bi, save) => {
    const xs = (xi as tf.Tensor).dataSync() as Float32Array;
    const gs = (gi as tf.Tensor).dataSync() as Float32Array;
    const bs = (bi as tf.Tensor).dataSync() as Float32Array;
    const { mean, rstd } = groupStats(xs, n, hw, c, g, group, eps);
    const y = new Float32Array(xs.length);
    for (let b = 0; b < n; b++) {
      for (let p = 0; p < hw; p++) {
        const row = (b * hw + p) * c;
        for (let k = 0; k < c; k++) {
          const s = b * g + group[k];
          y[row + k] = (xs[row + k] - mean[s]) * rstd[s] * gs[k] + bs[k];
        }
      }
    }
    (save as tf.GradSaveFunc)([xi as tf.Tensor, gi as tf.Tensor]);
    return {
      value: tf.tensor4d(y, [n, h, w, c]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dys = dy.dataSync() as Float32Array;
        const x0 = saved[0]!.dataSync() as Float32Array;
        const g0 = saved[1]!.dataSync() as Float32Array;
        // The forward's statistics (the gradient of this call only: the closure holds them).
        const st = { mean, rstd };
        const dGamma = new Float64Array(c);
        const dBeta = new Float64Array(c);
        const dx = new Float32Array(x0.length);
        const count = hw * cg;
        for (let b = 0; b < n; b++) {
          // Per group: mean of dxhat and of dxhat * xhat, where dxhat = dy * gamma.
          const m1 = new Float64Array(g);
          const m2 = new Float64Array(g);
          for (let p = 0; p < hw; p++) {
            const row = (b * hw + p) * c;
            for (let k = 0; k < c; k++) {
              const j = group[k];
              const s = b * g + j;
              const xhat = (x0[row + k] - st.mean[s]) * st.rstd[s];
              const d = dys[row + k];
              dGamma[k] += d * xhat;
              dBeta[k] += d;
              const dxhat = d * g0[k];
              m1[j] += dxhat;
              m2[j] += dxhat * xhat;
            }
          }
          for (let j = 0; j < g; j++) {
            m1[j] /= count;
            m2[j] /= count;
          }
          for (let p = 0; p < hw; p++) {
            const row = (b * hw + p) * c;
            for (let k = 0; k < c; k++) {
              const j = group[k];
              const s = b * g + j;
              const xhat = (x0[row + k] - st.mean[s]) * st.rstd[s];
              dx[row + k] = st.rstd[s] * (dys[row + k] * g0[k] - m1[j] - xhat * m2[j]);
            }
          }
        }
        return [
          tf.tensor4d(dx, [n, h, w, c]),
          tf.tensor1d(Float32Array.from(dGamma)),
          tf.tensor1d(Float32Array.from(dBeta)),
        ];
      },
    };
  });
  return op(x, gamma, beta) as tf.Tensor4D;
}
