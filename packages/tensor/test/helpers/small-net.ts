import * as tf from '@tensorflow/tfjs-core';
import { seeded } from './compare.js';

/**
 * A small conv net that uses every layer kind Mask R-CNN trains through: stride-1/2 3x3 and
 * 1x1 convolutions, frozen batch norm (scale + shift), relu, max pool, nearest and bilinear
 * resize (FPN top-down), concat/slice/pad, conv2dTranspose (mask head), gather (RoI
 * sampling), matMul (box head), sigmoid/BCE, logSoftmax/CE and smooth-L1.
 */
export interface SmallNet {
  params: tf.Variable[];
  loss(x: tf.Tensor4D, labels: tf.Tensor1D, target: tf.Tensor2D): tf.Scalar;
}

export function makeSmallNet(seed: number, inC = 3, classes = 4): SmallNet {
  const v = (shape: number[], s: number, scale: number) =>
    tf.variable(seeded(shape, seed * 100 + s, scale));
  const w1 = v([3, 3, inC, 8], 1, 0.3);
  const bnScale = v([8], 2, 0.1);
  const bnShift = v([8], 3, 0.1);
  const w2 = v([3, 3, 8, 12], 4, 0.2);
  const w3 = v([1, 1, 12, 8], 5, 0.3);
  const w4 = v([1, 1, 8, 8], 6, 0.3);
  const wt = v([2, 2, 16, 4], 7, 0.2); // conv2dTranspose filter: [h, w, out, in]
  const wc = v([16, classes], 8, 0.3);
  const wb = v([16, 4], 9, 0.3);
  const params = [w1, bnScale, bnShift, w2, w3, w4, wt, wc, wb];
  const k4 = (t: tf.Variable) => t as unknown as tf.Tensor4D;
  const k2 = (t: tf.Variable) => t as unknown as tf.Tensor2D;
  const loss = (x: tf.Tensor4D, labels: tf.Tensor1D, target: tf.Tensor2D): tf.Scalar => {
    const c1 = tf.relu(
      tf.add(tf.mul(tf.conv2d(x, k4(w1), 1, 'same'), tf.add(bnScale, 1)), bnShift),
    ) as tf.Tensor4D;
    const c2 = tf.relu(tf.conv2d(c1, k4(w2), 2, 'same')) as tf.Tensor4D;
    const p = tf.maxPool(c2, 2, 2, 'same');
    const lat = tf.conv2d(p, k4(w3), 1, 'same');
    const up = tf.image.resizeNearestNeighbor(lat, [c2.shape[1], c2.shape[2]]);
    const upB = tf.image.resizeBilinear(lat, [c2.shape[1], c2.shape[2]]);
    const fused: tf.Tensor4D = tf.add(
      tf.conv2d(tf.add(up, upB) as tf.Tensor4D, k4(w4), 1, 'same'),
      tf.slice(c2, [0, 0, 0, 0], [-1, -1, -1, 8]),
    );
    const padded: tf.Tensor4D = tf.pad(fused, [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ]);
    const both = tf.concat(
      [tf.slice(padded, [0, 1, 1, 0], [-1, fused.shape[1], fused.shape[2], 4]), tf.abs(fused)],
      3,
    );
    const mask = tf.conv2dTranspose(
      tf.slice(both, [0, 0, 0, 0], [-1, -1, -1, 4]) as tf.Tensor4D,
      k4(wt),
      [x.shape[0], fused.shape[1] * 2, fused.shape[2] * 2, 16],
      2,
      'valid',
    );
    const pooled = tf.mean(mask, [1, 2]) as tf.Tensor2D; // [N, 16]
    const rows = tf.gather(pooled, tf.tensor1d([0, 1, 0], 'int32')) as tf.Tensor2D;
    const logits = tf.matMul(rows, k2(wc));
    const numClasses = logits.shape[1] as number;
    const onehot = tf.oneHot(labels, numClasses);
    const ce = tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), onehot), 1)));
    const probs = tf.sigmoid(logits);
    const bce = tf.mean(
      tf.neg(
        tf.add(
          tf.mul(onehot, tf.log(tf.add(probs, 1e-6))),
          tf.mul(tf.sub(1, onehot), tf.log(tf.add(tf.sub(1, probs), 1e-6))),
        ),
      ),
    );
    const box = tf.matMul(rows, k2(wb));
    const diff = tf.abs(tf.sub(box, target));
    const smoothL1 = tf.mean(
      tf.where(tf.less(diff, 1), tf.mul(0.5, tf.square(diff)), tf.sub(diff, 0.5)),
    );
    const sm = tf.mean(tf.mul(tf.softmax(logits), 0.01));
    return tf.addN([ce, bce, smoothL1, sm]) as tf.Scalar;
  };
  return { params, loss };
}

/** The small net's loss and its nine parameter gradients on fixed inputs (10 tensors). */
export function smallNetLossAndGrads(): tf.Tensor[] {
  const net = makeSmallNet(1);
  const x = seeded([2, 12, 10, 3], 31) as tf.Tensor4D;
  const labels = tf.tensor1d([1, 3, 0], 'int32');
  const target = seeded([3, 4], 32) as tf.Tensor2D;
  const { value, grads } = tf.variableGrads(() => net.loss(x, labels, target), net.params);
  const out = [value, ...net.params.map((p) => grads[p.name])];
  for (const p of net.params) p.dispose();
  return out;
}
