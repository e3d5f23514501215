// The FPN neck (mmdetection `FPN`, no extra convs): laterals, top-down path, output convs and
// max-pooled extra levels.

import * as tf from '@tensorflow/tfjs-core';
import type { FpnConfig } from '../config.js';
import { Conv2d, upsampleNearest } from '../layers.js';
import type { ParamStore } from '../params.js';

/**
 * mmdetection FPN (`neck.lateral_convs.i.conv`, `neck.fpn_convs.i.conv`): 1x1 laterals, top-down
 * nearest upsampling, 3x3 output convs, and extra levels by stride-2 max-pool of the last
 * output (`add_extra_convs=False`). Xavier-uniform init as mmdetection.
 */
export class Fpn {
  readonly lateralConvs: Conv2d[] = [];
  readonly fpnConvs: Conv2d[] = [];

  constructor(
    store: ParamStore,
    inChannels: number[],
    readonly cfg: FpnConfig,
    prefix = 'neck',
  ) {
    const out = cfg.outChannels;
    inChannels.forEach((c, i) => {
      this.lateralConvs.push(
        new Conv2d(store, `${prefix}.lateral_convs.${i}.conv`, c, out, 1, {
          weightInit: { type: 'xavier-uniform', fanIn: c, fanOut: out },
        }),
      );
      this.fpnConvs.push(
        new Conv2d(store, `${prefix}.fpn_convs.${i}.conv`, out, out, 3, {
          weightInit: { type: 'xavier-uniform', fanIn: out * 9, fanOut: out * 9 },
        }),
      );
    });
  }

  apply(features: tf.Tensor4D[]): tf.Tensor4D[] {
    const laterals = features.map((f, i) => this.lateralConvs[i].apply(f));
    for (let i = laterals.length - 1; i > 0; i--) {
      const [, h, w] = laterals[i - 1].shape;
      laterals[i - 1] = tf.add(laterals[i - 1], upsampleNearest(laterals[i], [h, w]));
    }
    const outs = laterals.map((l, i) => this.fpnConvs[i].apply(l));
    while (outs.length < this.cfg.numOuts) {
      outs.push(tf.maxPool(outs[outs.length - 1], 1, 2, 'valid'));
    }
    return outs;
  }
}
