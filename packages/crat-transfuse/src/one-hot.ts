// Float one-hot rows that come out right on the wasm backend (its float32 OneHot writes integer
// bits) and for a single class (which `tf.oneHot` refuses).

import * as tf from '@tensorflow/tfjs-core';

/**
 * Float one-hot rows `[N, depth]`. Built as int32 then cast: the wasm backend's OneHot kernel
 * (tfjs 4.22) writes integer bit patterns into a float32 output when asked for float32.
 */
export function floatOneHot(indices: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.tidy(() => {
    // tf.oneHot refuses depth 1, which happens whenever a batch holds a single class.
    const built = tf.oneHot(tf.cast(indices, 'int32'), Math.max(depth, 2));
    const rows = depth < 2 ? tf.slice(built, [0, 0], [-1, depth]) : built;
    return tf.cast(rows, 'float32') as tf.Tensor2D;
  });
}
