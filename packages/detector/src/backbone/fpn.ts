// The FPN neck (mmdetection `FPN`, no extra convs): laterals, top-down path, output convs and
// max-pooled extra levels.

import * as tf from '@tensorflow/tfjs-core';
import type { FpnConfig } from '../config.js';
import { Conv2d, ConvNorm, normName, upsampleNearest } from '../layers.js';
import type { ParamStore } from '../params.js';

/**
 * mmdetection FPN (`neck.lateral_convs.i.conv`, `neck.fpn_convs.i.conv`): 1x1 laterals, top-down
 * nearest upsampling, 3x3 output convs, and extra levels by stride-2 max-pool of the last
 * output (`add_extra_convs=False`). Xavier-uniform init as mmdetection.
 */
/** A conv, or a bias-free conv + norm (mmdetection's `ConvModule` with `norm_cfg`). */
type NeckConv = { apply(x: tf.Tensor4D): tf.Tensor4D };

export class Fpn {
  readonly lateralConvs: NeckConv[] = [];
  readonly fpnConvs: NeckConv[] = [];

  constructor(
    store: ParamStore,
    inChannels: number[],
    readonly cfg: FpnConfig,
    prefix = 'neck',
  ) {
    const out = cfg.outChannels;
    const conv = (name: string, cin: number, k: number): NeckConv => {
      const weightInit = {
        type: 'xavier-uniform',
        fanIn: cin * k * k,
        fanOut: out * k * k,
      } as const;
      if (!cfg.norm) return new Conv2d(store, `${name}.conv`, cin, out, k, { weightInit });
      const norm = cfg.norm;
      const layer = new ConvNorm(store, `${name}.conv`, `${name}.${normName(norm)}`, cin, out, k, {
        trainable: true,
        bnTrainable: true,
        norm,
        weightInit,
      });
      return { apply: (x) => layer.apply(x, 'linear') };
    };
    inChannels.forEach((c, i) => {
      this.lateralConvs.push(conv(`${prefix}.lateral_convs.${i}`, c, 1));
      this.fpnConvs.push(conv(`${prefix}.fpn_convs.${i}`, out, 3));
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
