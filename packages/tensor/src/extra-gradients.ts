// Side-effect import: registers the gradients tfjs-core 4.22 lacks and detection code needs
// (gatherND, scatterND, and zero gradients for comparisons and logical ops).

import * as tf from '@tensorflow/tfjs-core';

/**
 * Gradients tfjs-core 4.22 does not define but detection code uses: gatherND (indexing
 * positive anchors / per-class outputs) and its inverse scatterND. Both are exact
 * transposes of each other; scatterND sums duplicate indices, which is what the gradient
 * of a gather with repeated indices needs.
 */
const gatherNdGrad: tf.GradConfig = {
  kernelName: tf.GatherNd,
  inputsToSave: ['params', 'indices'],
  gradFunc: (dy, saved) => {
    const [params, indices] = saved;
    return {
      params: () => tf.scatterND(indices, dy as tf.Tensor, params.shape),
      indices: () => tf.zerosLike(indices),
    };
  },
};

const scatterNdGrad: tf.GradConfig = {
  kernelName: tf.ScatterNd,
  inputsToSave: ['indices'],
  gradFunc: (dy, saved) => {
    const [indices] = saved;
    return {
      updates: () => tf.gatherND(dy as tf.Tensor, indices),
      indices: () => tf.zerosLike(indices),
    };
  },
};

/**
 * Comparisons and logical ops are piecewise constant: their gradient is zero (TF returns
 * None). tfjs-core registers none, so any loss that branches on its input, e.g. smooth-L1
 * as `where(less(|d|, beta), ...)`, fails with "gradient function not found for Less".
 */
const ZERO_GRAD_KERNELS = [
  tf.Equal,
  tf.NotEqual,
  tf.Greater,
  tf.GreaterEqual,
  tf.Less,
  tf.LessEqual,
  tf.LogicalAnd,
  tf.LogicalOr,
  tf.LogicalNot,
] as const;

const zeroGrads: tf.GradConfig[] = ZERO_GRAD_KERNELS.map((kernelName) => {
  const names = kernelName === tf.LogicalNot ? ['x'] : ['a', 'b'];
  return {
    kernelName,
    inputsToSave: names,
    gradFunc: (_dy, saved) => {
      const out: Record<string, () => tf.Tensor> = {};
      names.forEach((name, i) => {
        out[name] = () => tf.zerosLike(saved[i]);
      });
      return out;
    },
  };
});

const all = [gatherNdGrad, scatterNdGrad, ...zeroGrads];
export const EXTRA_GRADIENTS: readonly string[] = all.map((g) => g.kernelName);

for (const g of all) {
  if (tf.getGradient(g.kernelName) == null) tf.registerGradient(g);
}
