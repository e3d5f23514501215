import type * as tf from '@tensorflow/tfjs-core';
import { Conv2d } from '../layers.js';
import type { ParamStore } from '../params.js';

/** Per-level raw outputs: objectness logits `[N, H, W, A]` and deltas `[N, H, W, 4A]` (anchor a at channels 4a..4a+3). */
export interface RpnOutputs {
  cls: tf.Tensor4D[];
  reg: tf.Tensor4D[];
}

/** mmdetection `RPNHead`: a shared 3x3 conv + ReLU, then 1x1 objectness (sigmoid, one per anchor) and 1x1 deltas. */
export class RpnHead {
  readonly conv: Conv2d;
  readonly cls: Conv2d;
  readonly reg: Conv2d;

  constructor(
    store: ParamStore,
    inChannels: number,
    featChannels: number,
    readonly numAnchors: number,
    prefix = 'rpn_head',
  ) {
    const init = { type: 'normal', std: 0.01 } as const;
    this.conv = new Conv2d(store, `${prefix}.rpn_conv`, inChannels, featChannels, 3, {
      weightInit: init,
    });
    this.cls = new Conv2d(store, `${prefix}.rpn_cls`, featChannels, numAnchors, 1, {
      weightInit: init,
    });
    this.reg = new Conv2d(store, `${prefix}.rpn_reg`, featChannels, numAnchors * 4, 1, {
      weightInit: init,
    });
  }

  apply(features: tf.Tensor4D[]): RpnOutputs {
    const cls: tf.Tensor4D[] = [];
    const reg: tf.Tensor4D[] = [];
    for (const f of features) {
      const h = this.conv.apply(f, 'relu');
      cls.push(this.cls.apply(h));
      reg.push(this.reg.apply(h));
    }
    return { cls, reg };
  }
}
