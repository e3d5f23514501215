// PyTorch's `.detach()` for TF.js, which has no stop-gradient op: CRAT's weights enter the
// transfer loss as constants.

import * as tf from '@tensorflow/tfjs-core';

/**
 * `t` with no history on the gradient tape (PyTorch's `.detach()`), without reading it back.
 *
 * TF.js has no stop-gradient op. A custom op on `t` with a zero gradient would still make the
 * backward pass walk every op that builds CRAT's weights (the big similarity matmul among
 * them), and reading `t` back to rebuild it from data works only where synchronous reads do.
 * Here the copy is made inside a custom op (kernels there are not taped) whose only input is
 * a constant: its tape record hangs off nothing the gradient flows from, so the tape prunes
 * the subgraph behind `t` and the copy enters the transfer loss as a constant.
 */
export function detach<T extends tf.Tensor>(t: T): T {
  const anchor = tf.scalar(0);
  const copy = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.clone(t),
    gradFunc: () => tf.zerosLike(args[0] as tf.Tensor),
  }))(anchor) as T;
  anchor.dispose();
  return copy;
}
