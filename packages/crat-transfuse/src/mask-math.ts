// The mask branch's CRAT math in closed form: own-class logits, per-RoI gradients of the mask
// loss, and the per-class mask loss, kept small enough for LVIS-sized logits.

import * as tf from '@tensorflow/tfjs-core';

/**
 * Each RoI's own-class logits: `logits [P, HW, C]` → `[P, HW]`, never differentiated. A flat
 * 1-D gather: the wasm backend's GatherV2 with `batchDims` returns wrong values (tfjs 4.22),
 * and a one-hot select would cost a full `[P, HW, C]` product.
 */
export function ownClassMaskLogits(logits: tf.Tensor3D, labels: ArrayLike<number>): tf.Tensor2D {
  return tf.tidy(() => {
    const [p, hw, c] = logits.shape;
    const flatIndex = new Int32Array(p * hw);
    for (let n = 0; n < p; n++) {
      const base = n * hw * c + labels[n];
      for (let i = 0; i < hw; i++) flatIndex[n * hw + i] = base + i * c;
    }
    const picked = tf.gather(tf.reshape(logits, [-1]), tf.tensor1d(flatIndex, 'int32'));
    return tf.reshape(picked, [p, hw]) as tf.Tensor2D;
  });
}

/**
 * Per-RoI gradients of each RoI's own term of the mask BCE loss w.r.t. its class's column of
 * the 1x1 logits conv (kernel `[1, 1, D, C]`), in closed form: the sum over pixels of
 * `(sigmoid(logit) - target) * feature`, divided by the loss normaliser. Batched as one
 * `[P, 1, HW] x [P, HW, D]` matmul. Returns `[P, D]`.
 */
export function perRoiMaskGradients(
  features: tf.Tensor3D,
  ownLogits: tf.Tensor2D,
  targets: tf.Tensor2D,
  scale: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [p, hw] = ownLogits.shape;
    const err = tf.reshape(tf.sub(tf.sigmoid(ownLogits), targets), [p, 1, hw]);
    const g = tf.matMul(err, features);
    return tf.mul(tf.reshape(g, [p, features.shape[2]]), scale) as tf.Tensor2D;
  });
}

/**
 * `[P, C]`: for every RoI and class channel c, the mean over pixels of
 * `BCEWithLogits(logit[n, :, c], target[n, :])`, differentiable w.r.t. the logits. Written as
 * `softplus(x) - x*t` with the `x*t` sum as a batched matmul, and with its gradient
 * `(sigmoid(x) - t) / HW` given in closed form: at LVIS sizes the logits are `[P, 784, 1203]`
 * and autograd would hold several tensors of that size at once.
 */
export function maskLossPerClass(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Tensor2D {
  const [p, hw, c] = logits.shape;
  const lossWithGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, t, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([x, t]);
    const sp = tf.sum(tf.softplus(x), 1);
    const xt = tf.reshape(tf.matMul(tf.reshape(t, [p, 1, hw]), x as tf.Tensor3D), [p, c]);
    return {
      value: tf.div(tf.sub(sp, xt), hw),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ts] = saved;
        const err = tf.sub(tf.sigmoid(xs), tf.reshape(ts, [p, hw, 1]));
        return [tf.mul(err, tf.reshape(tf.div(dy, hw), [p, 1, c])), tf.zerosLike(ts)];
      },
    };
  });
  return lossWithGrad(logits, targets) as tf.Tensor2D;
}
