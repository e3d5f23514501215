// The box head's layers (mmdetection's `ConvFCBBoxHead` family: Shared2FC, Shared4Conv1FC):
// forward only; its targets and losses live in the RoI head.

import * as tf from '@tensorflow/tfjs-core';
import type { BBoxHeadConfig } from '../config.js';
import { Conv2d, ConvNorm, Linear, normName } from '../layers.js';
import type { ParamStore } from '../params.js';

export interface BBoxHeadOutputs {
  /** Input of the class-wise layers (after the shared FCs), `[K, fcChannels]`. */
  features: tf.Tensor2D;
  /** Classifier logits `[K, numLogits]`. */
  clsLogits: tf.Tensor2D;
  /** Class-wise deltas `[K, C * 4]` (class c at columns 4c..4c+3). */
  deltas: tf.Tensor2D;
}

/**
 * mmdetection `ConvFCBBoxHead` (`Shared2FCBBoxHead` with no convs, `Shared4Conv1FCBBoxHead`):
 * shared 3x3 convs (+ norm) with ReLU → flattened → shared FCs with ReLU → `fc_cls`
 * (`numLogits` outputs, the classification loss's choice) and class-wise `fc_reg` (C x 4).
 */
export class BBoxHead {
  readonly sharedConvs: (Conv2d | ConvNorm)[] = [];
  readonly sharedFcs: Linear[] = [];
  readonly fcCls: Linear;
  readonly fcReg: Linear;

  constructor(
    store: ParamStore,
    inChannels: number,
    readonly numClasses: number,
    numLogits: number,
    readonly cfg: BBoxHeadConfig,
    prefix = 'roi_head.bbox_head',
  ) {
    const s = cfg.roiSize;
    let channels = inChannels;
    for (let i = 0; i < cfg.numSharedConvs; i++) {
      const name = `${prefix}.shared_convs.${i}`;
      const out = cfg.convChannels;
      const weightInit = { type: 'kaiming-fan-out', fanOut: out * 9 } as const;
      this.sharedConvs.push(
        cfg.norm
          ? new ConvNorm(store, `${name}.conv`, `${name}.${normName(cfg.norm)}`, channels, out, 3, {
              trainable: true,
              bnTrainable: true,
              norm: cfg.norm,
              weightInit,
            })
          : new Conv2d(store, `${name}.conv`, channels, out, 3, { weightInit }),
      );
      channels = out;
    }
    let inDim = channels * s * s;
    for (let i = 0; i < cfg.numSharedFcs; i++) {
      this.sharedFcs.push(
        new Linear(
          store,
          `${prefix}.shared_fcs.${i}`,
          inDim,
          cfg.fcChannels,
          { type: 'xavier-uniform', fanIn: inDim, fanOut: cfg.fcChannels },
          i === 0 ? { channels, height: s, width: s } : undefined,
        ),
      );
      inDim = cfg.fcChannels;
    }
    this.fcCls = new Linear(store, `${prefix}.fc_cls`, inDim, numLogits, {
      type: 'normal',
      std: 0.01,
    });
    this.fcReg = new Linear(store, `${prefix}.fc_reg`, inDim, numClasses * 4, {
      type: 'normal',
      std: 0.001,
    });
  }

  /** `roiFeatures`: `[K, roiSize, roiSize, C]` pooled features. */
  apply(roiFeatures: tf.Tensor4D): BBoxHeadOutputs {
    let maps = roiFeatures;
    for (const conv of this.sharedConvs) maps = conv.apply(maps, 'relu');
    const [k, h, w, c] = maps.shape;
    let x = tf.reshape(maps, [k, h * w * c]) as tf.Tensor2D;
    for (const fc of this.sharedFcs) x = fc.apply(x, 'relu');
    return { features: x, clsLogits: this.fcCls.apply(x), deltas: this.fcReg.apply(x) };
  }
}
