// Mask R-CNN as a composition: backbone → neck → RPN head → RoI head, with the state a
// checkpoint needs. The heads do the work (targets, losses, predictions).

import type { ClassificationLoss, LossTerms, PluginState, Rng, TaskTransfer } from '@crat/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Fpn } from './backbone/fpn.js';
import type { ResNet } from './backbone/resnet.js';
import { type DetectorBatch, type DetectorInputs, validateBatch } from './batch.js';
import { buildMaskRcnn, type MaskRcnnOptions } from './build.js';
import type { DetectorConfig } from './config.js';
import type { ParamStore } from './params.js';
import type { Detections } from './post-processing.js';
import type { RoiSamplingStats, StandardRoIHead } from './roi/standard-roi-head.js';
import type { RpnHead } from './rpn/rpn-head.js';

/** Per training step: the iteration (handed to transfer plug-ins). */
export interface TrainContext {
  iteration: number;
}

/** Every loss term of a training batch, and what the RoI sampling drew (logged as step stats). */
export interface DetectorLoss {
  terms: LossTerms;
  stats: RoiSamplingStats;
}

export interface PredictOptions {
  /** Compute and paste masks (default true). */
  withMasks?: boolean;
}

/**
 * mmdetection's `mask_rcnn_r50_fpn`: ResNet + FPN, RPN, Shared2FC bbox head with a pluggable
 * classification loss and class-wise regression, FCN mask head; both class-wise branches hand
 * their positives to `TaskTransfer` plug-ins. All tensors NHWC.
 */
export class MaskRCNN {
  readonly params: ParamStore;
  readonly backbone: ResNet;
  readonly neck: Fpn;
  readonly rpnHead: RpnHead;
  readonly roiHead: StandardRoIHead;
  readonly samplerRng: Rng;

  constructor(
    readonly config: DetectorConfig,
    options: MaskRcnnOptions = {},
  ) {
    ({
      params: this.params,
      backbone: this.backbone,
      neck: this.neck,
      rpnHead: this.rpnHead,
      roiHead: this.roiHead,
      samplerRng: this.samplerRng,
    } = buildMaskRcnn(config, options));
  }

  get classificationLoss(): ClassificationLoss {
    return this.roiHead.classificationLoss;
  }

  get transfers(): readonly TaskTransfer[] {
    return this.roiHead.transfers;
  }

  /** FPN levels P2..P(1+numOuts) of normalised NHWC images. */
  features(images: tf.Tensor4D): tf.Tensor4D[] {
    return this.neck.apply(this.backbone.apply(images));
  }

  /**
   * Forward pass and every loss term of a training batch (`loss_rpn_cls`, `loss_rpn_bbox`, the
   * RoI head's terms). It awaits tensor reads (the RPN's outputs become proposals on the host),
   * so call it inside an asynchronous gradient scope (`variableGradsAsync`, which
   * `gradientStep` uses); the caller owns the returned tensors.
   */
  async loss(batch: DetectorBatch, ctx: TrainContext = { iteration: 0 }): Promise<DetectorLoss> {
    validateBatch(batch, this.config.numClasses);
    // Training mode for the forward: trainable batch norm uses (and records) batch statistics.
    this.params.mode.training = true;
    try {
      return await this.#loss(batch, ctx);
    } finally {
      this.params.mode.training = false;
    }
  }

  async #loss(batch: DetectorBatch, ctx: TrainContext): Promise<DetectorLoss> {
    const feats = this.features(batch.images);
    const anchors = this.rpnHead.anchors(feats, [batch.images.shape[1], batch.images.shape[2]]);
    const rpnOut = this.rpnHead.forward(feats);
    const rpnTerms = await this.rpnHead.loss(rpnOut, anchors, batch, this.samplerRng);
    const [logits, deltas] = await Promise.all([rpnOut.logits.data(), rpnOut.deltas.data()]);
    const proposals = await this.rpnHead.predict(
      anchors,
      logits as Float32Array,
      deltas as Float32Array,
      batch.metas,
      'train',
    );
    const roi = await this.roiHead.loss(feats, proposals, batch, this.samplerRng, ctx.iteration);
    for (const k of Object.keys(roi.terms)) {
      if (k in rpnTerms)
        throw new Error(`loss term '${k}' is produced by the RPN and the RoI head`);
    }
    return { terms: { ...rpnTerms, ...roi.terms }, stats: roi.sampling };
  }

  /** Detections per image in original-image pixels (masks pasted unless `withMasks: false`). */
  async predict(inputs: DetectorInputs, opts: PredictOptions = {}): Promise<Detections[]> {
    const feats = tf.tidy(() => this.features(inputs.images));
    try {
      const anchors = this.rpnHead.anchors(feats, [inputs.images.shape[1], inputs.images.shape[2]]);
      const [logits, deltas] = tf.tidy(() => {
        const out = this.rpnHead.forward(feats);
        return [out.logits, out.deltas];
      });
      const [logitsArr, deltasArr] = await Promise.all([logits.data(), deltas.data()]);
      tf.dispose([logits, deltas]);
      const proposals = await this.rpnHead.predict(
        anchors,
        logitsArr as Float32Array,
        deltasArr as Float32Array,
        inputs.metas,
        'test',
      );
      const test = this.config.test;
      const dets = await this.roiHead.predictBoxes(feats, proposals, inputs.metas, test);
      if (opts.withMasks ?? true) await this.roiHead.predictMasks(feats, dets, inputs.metas, test);
      return dets;
    } finally {
      tf.dispose(feats);
    }
  }

  /** Sampler RNG and plug-in states, JSON (weights go to safetensors); plug-ins may read tensors. */
  async getState(): Promise<PluginState> {
    const samplerRng = this.samplerRng.state;
    const transfers: PluginState[] = [];
    for (const t of this.transfers) transfers.push(await t.getState());
    return {
      samplerRng,
      classificationLoss: await this.classificationLoss.getState(),
      transfers,
    };
  }

  setState(state: PluginState): void {
    if (typeof state.samplerRng === 'number') this.samplerRng.state = state.samplerRng;
    if (state.classificationLoss && typeof state.classificationLoss === 'object') {
      this.classificationLoss.setState(state.classificationLoss as PluginState);
    }
    if (Array.isArray(state.transfers)) {
      state.transfers.forEach((s, i) => {
        this.transfers[i]?.setState(s as PluginState);
      });
    }
  }

  dispose(): void {
    this.params.dispose();
  }
}
