// PyTorch's `.detach()` for TF.js, which has no stop-gradient op: CRAT's weights enter the
// transfer loss as constants.

import * as tf from '@tensorflow/tfjs-core';

/**
 * A copy of `t` with no history on the gradient tape (PyTorch's `.detach()`).
 *
 * TF.js has no stop-gradient op. A zero custom gradient would still make the backward pass
 * walk every op that builds CRAT's weights (the big similarity matmul among them); a tensor
 * made from data is not the output of any taped op, so the tape prunes that whole subgraph
 * and the weights enter the transfer loss as constants.
 */
export function detach<T extends tf.Tensor>(t: T): T {
  return tf.tensor(t.dataSync(), t.shape, t.dtype) as T;
}
