// The mask head's layers (mmdetection `FCNMaskHead`): forward only; its targets and loss live
// in the RoI head.

import type * as tf from '@tensorflow/tfjs-core';
import type { MaskHeadConfig } from '../config.js';
import { Conv2d, ConvNorm, Deconv2x2, normName } from '../layers.js';
import type { ParamStore } from '../params.js';

export interface MaskHeadOutputs {
  /** Input of the class-wise `conv_logits` (after the deconv + ReLU), `[P, S, S, convChannels]`. */
  features: tf.Tensor4D;
  /** Class-wise mask logits `[P, S, S, C]`. */
  logits: tf.Tensor4D;
}

/**
 * mmdetection `FCNMaskHead`: `numConvs` 3x3 convs + ReLU, a 2x deconv + ReLU, class-wise 1x1
 * `conv_logits`. Kaiming (fan_out) init as mmdetection.
 */
export class MaskHead {
  readonly convs: (Conv2d | ConvNorm)[] = [];
  readonly upsample: Deconv2x2;
  readonly convLogits: Conv2d;

  constructor(
    store: ParamStore,
    inChannels: number,
    readonly numClasses: number,
    readonly cfg: MaskHeadConfig,
    prefix = 'roi_head.mask_head',
  ) {
    let c = inChannels;
    const out = cfg.convChannels;
    const weightInit = { type: 'kaiming-fan-out', fanOut: out * 9 } as const;
    for (let i = 0; i < cfg.numConvs; i++) {
      const name = `${prefix}.convs.${i}`;
      this.convs.push(
        cfg.norm
          ? new ConvNorm(store, `${name}.conv`, `${name}.${normName(cfg.norm)}`, c, out, 3, {
              trainable: true,
              bnTrainable: true,
              norm: cfg.norm,
              weightInit,
            })
          : new Conv2d(store, `${name}.conv`, c, out, 3, { weightInit }),
      );
      c = out;
    }
    this.upsample = new Deconv2x2(store, `${prefix}.upsample`, c, out);
    this.convLogits = new Conv2d(store, `${prefix}.conv_logits`, out, numClasses, 1, {
      weightInit: { type: 'kaiming-fan-out', fanOut: numClasses },
    });
  }

  apply(roiFeatures: tf.Tensor4D): MaskHeadOutputs {
    let x = roiFeatures;
    for (const conv of this.convs) x = conv.apply(x, 'relu');
    const features = this.upsample.apply(x, 'relu');
    return { features, logits: this.convLogits.apply(features) };
  }
}
