// mmdetection's `DeltaXYWHBBoxCoder`: boxes to normalised deltas against priors and back.

import * as tf from '@tensorflow/tfjs-core';

export interface DeltaCoderOptions {
  means?: [number, number, number, number];
  stds?: [number, number, number, number];
  /** clip decoded boxes to maxShape when one is given (default true) */
  clipBorder?: boolean;
  /** YOLOF-style centre clamp (default false; Mask R-CNN does not use it) */
  addCtrClamp?: boolean;
  ctrClamp?: number;
}

export interface DecodeOptions {
  /** [height, width]: clip x to [0, width] and y to [0, height] */
  maxShape?: [number, number];
  /** default 16 / 1000: |dw|, |dh| are clamped to |ln(whRatioClip)| */
  whRatioClip?: number;
}

/** mmdetection's DeltaXYWHBBoxCoder (bbox2delta / delta2bbox), corner boxes, no +1. */
export class DeltaXYWHBBoxCoder {
  readonly means: [number, number, number, number];
  readonly stds: [number, number, number, number];
  readonly clipBorder: boolean;
  readonly addCtrClamp: boolean;
  readonly ctrClamp: number;

  constructor(opts: DeltaCoderOptions = {}) {
    this.means = opts.means ?? [0, 0, 0, 0];
    this.stds = opts.stds ?? [1, 1, 1, 1];
    this.clipBorder = opts.clipBorder ?? true;
    this.addCtrClamp = opts.addCtrClamp ?? false;
    this.ctrClamp = opts.ctrClamp ?? 32;
  }

  /** [N, 4] proposals and matched gt boxes -> [N, 4] normalised deltas. */
  encode(proposals: tf.Tensor2D, gt: tf.Tensor2D): tf.Tensor2D {
    if (proposals.shape[0] !== gt.shape[0]) {
      throw new Error(
        `DeltaXYWHBBoxCoder.encode: ${proposals.shape[0]} proposals but ${gt.shape[0]} gt boxes`,
      );
    }
    return tf.tidy(() => {
      const [px1, py1, px2, py2] = tf.unstack(proposals, 1);
      const [gx1, gy1, gx2, gy2] = tf.unstack(gt, 1);
      const pw = tf.sub(px2, px1);
      const ph = tf.sub(py2, py1);
      const gw = tf.sub(gx2, gx1);
      const gh = tf.sub(gy2, gy1);
      const dx = tf.div(tf.sub(tf.mul(tf.add(gx1, gx2), 0.5), tf.mul(tf.add(px1, px2), 0.5)), pw);
      const dy = tf.div(tf.sub(tf.mul(tf.add(gy1, gy2), 0.5), tf.mul(tf.add(py1, py2), 0.5)), ph);
      const dw = tf.log(tf.div(gw, pw));
      const dh = tf.log(tf.div(gh, ph));
      const d = tf.stack([dx, dy, dw, dh], 1);
      return tf.div(tf.sub(d, tf.tensor1d(this.means)), tf.tensor1d(this.stds)) as tf.Tensor2D;
    });
  }

  /** rois [N, 4], deltas [N, 4k] (k classes sharing each roi) -> boxes [N, 4k]. */
  decode(rois: tf.Tensor2D, deltas: tf.Tensor2D, opts: DecodeOptions = {}): tf.Tensor2D {
    const n = rois.shape[0];
    const cols = deltas.shape[1];
    if (deltas.shape[0] !== n || cols % 4 !== 0) {
      throw new Error(
        `DeltaXYWHBBoxCoder.decode: deltas [${deltas.shape}] do not match rois [${rois.shape}] as [N, 4k]`,
      );
    }
    const k = cols / 4;
    const maxRatio = Math.abs(Math.log(opts.whRatioClip ?? 16 / 1000));
    return tf.tidy(() => {
      const d = tf.add(
        tf.mul(tf.reshape(deltas, [n, k, 4]), tf.tensor1d(this.stds)),
        tf.tensor1d(this.means),
      );
      const [dx, dy, dwRaw, dhRaw] = tf.unstack(d, 2); // each [n, k]
      const [px1, py1, px2, py2] = tf.unstack(tf.reshape(rois, [n, 1, 4]), 2); // each [n, 1]
      const pw = tf.sub(px2, px1);
      const ph = tf.sub(py2, py1);
      const pcx = tf.mul(tf.add(px1, px2), 0.5);
      const pcy = tf.mul(tf.add(py1, py2), 0.5);
      let ox = tf.mul(pw, dx);
      let oy = tf.mul(ph, dy);
      let dw: tf.Tensor;
      let dh: tf.Tensor;
      if (this.addCtrClamp) {
        ox = tf.clipByValue(ox, -this.ctrClamp, this.ctrClamp);
        oy = tf.clipByValue(oy, -this.ctrClamp, this.ctrClamp);
        dw = tf.minimum(dwRaw, maxRatio);
        dh = tf.minimum(dhRaw, maxRatio);
      } else {
        dw = tf.clipByValue(dwRaw, -maxRatio, maxRatio);
        dh = tf.clipByValue(dhRaw, -maxRatio, maxRatio);
      }
      const cx = tf.add(pcx, ox);
      const cy = tf.add(pcy, oy);
      const hw = tf.mul(tf.mul(pw, tf.exp(dw)), 0.5);
      const hh = tf.mul(tf.mul(ph, tf.exp(dh)), 0.5);
      let x1 = tf.sub(cx, hw);
      let y1 = tf.sub(cy, hh);
      let x2 = tf.add(cx, hw);
      let y2 = tf.add(cy, hh);
      if (this.clipBorder && opts.maxShape != null) {
        const [h, w] = opts.maxShape;
        x1 = tf.clipByValue(x1, 0, w);
        x2 = tf.clipByValue(x2, 0, w);
        y1 = tf.clipByValue(y1, 0, h);
        y2 = tf.clipByValue(y2, 0, h);
      }
      return tf.reshape(tf.stack([x1, y1, x2, y2], 2), [n, cols]) as tf.Tensor2D;
    });
  }
}
