// The RPN head (mmdetection `RPNHead`): its layers, its anchors, its training loss and its proposals.

import type { LossTerms, Rng } from '@crat/core';
import { AnchorGenerator, DeltaXYWHBBoxCoder } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { DetectorBatch, DetectorImageMeta } from '../batch.js';
import type { RpnHeadConfig } from '../config.js';
import { Conv2d } from '../layers.js';
import { bceWithLogits, weightedL1 } from '../losses/elementwise.js';
import type { ParamStore } from '../params.js';
import { type AnchorSet, buildAnchors, validAnchorFlags } from './anchors.js';
import { type Proposals, rpnProposals } from './proposals.js';
import { rpnTargets } from './rpn-targets.js';

/** Per-level raw outputs: objectness logits `[N, H, W, A]` and deltas `[N, H, W, 4A]` (anchor a at channels 4a..4a+3). */
export interface RpnOutputs {
  cls: tf.Tensor4D[];
  reg: tf.Tensor4D[];
}

/** The raw outputs of a batch flattened over levels, in the anchors' order. */
export interface RpnFlatOutputs {
  /** `[N, T]` objectness logits. */
  logits: tf.Tensor2D;
  /** `[N, 4T]` deltas. */
  deltas: tf.Tensor2D;
}

/**
 * mmdetection `RPNHead`: a shared 3x3 conv + ReLU, then 1x1 objectness (sigmoid, one per
 * anchor) and 1x1 deltas; owns the anchor generator, the training targets (MaxIoU assigner,
 * random sampler) and the proposal step.
 */
export class RpnHead {
  readonly conv: Conv2d;
  readonly cls: Conv2d;
  readonly reg: Conv2d;
  readonly numAnchors: number;
  readonly #generator: AnchorGenerator;
  readonly #coder = new DeltaXYWHBBoxCoder({ means: [0, 0, 0, 0], stds: [1, 1, 1, 1] });
  readonly #anchorCache = new Map<string, AnchorSet>();

  constructor(
    store: ParamStore,
    inChannels: number,
    readonly cfg: RpnHeadConfig,
    prefix = 'rpn_head',
  ) {
    this.#generator = new AnchorGenerator({
      strides: cfg.anchorStrides,
      ratios: cfg.anchorRatios,
      scales: cfg.anchorScales,
      roundBaseAnchors: cfg.anchorStyle === 'torchvision',
    });
    this.numAnchors = this.#generator.numBaseAnchors;
    const init = { type: 'normal', std: 0.01 } as const;
    const feat = cfg.featChannels;
    this.conv = new Conv2d(store, `${prefix}.rpn_conv`, inChannels, feat, 3, { weightInit: init });
    this.cls = new Conv2d(store, `${prefix}.rpn_cls`, feat, this.numAnchors, 1, {
      weightInit: init,
    });
    this.reg = new Conv2d(store, `${prefix}.rpn_reg`, feat, this.numAnchors * 4, 1, {
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

  /** The outputs of every level, flattened in the anchors' order. */
  forward(features: tf.Tensor4D[]): RpnFlatOutputs {
    const { cls, reg } = this.apply(features);
    const n = features[0].shape[0];
    const flat = (ts: tf.Tensor4D[]) =>
      tf.concat(
        ts.map((t) => tf.reshape(t, [n, -1])),
        1,
      ) as tf.Tensor2D;
    return { logits: flat(cls), deltas: flat(reg) };
  }

  /** The anchors of these feature maps' sizes for a batch of `imageShape` images (cached per size). */
  anchors(features: tf.Tensor4D[], imageShape: [number, number]): AnchorSet {
    const sizes = features.map((f) => [f.shape[1], f.shape[2]] as [number, number]);
    const key = `${imageShape.join('x')}:${sizes.map((s) => s.join('x')).join(',')}`;
    let set = this.#anchorCache.get(key);
    if (!set) {
      const strides =
        this.cfg.anchorStyle === 'torchvision'
          ? sizes.map(
              ([h, w]) =>
                [Math.floor(imageShape[0] / h), Math.floor(imageShape[1] / w)] as [number, number],
            )
          : undefined;
      set = buildAnchors(this.#generator, sizes, strides);
      this.#anchorCache.set(key, set);
    }
    return set;
  }

  /** `loss_rpn_cls` (sigmoid BCE over sampled anchors) and `loss_rpn_bbox` (L1 on positives). */
  async loss(
    out: RpnFlatOutputs,
    anchors: AnchorSet,
    batch: DetectorBatch,
    rng: Rng,
  ): Promise<LossTerms> {
    const cfg = this.cfg;
    const [n, bh, bw] = batch.images.shape;
    const flags = batch.metas.map((m) =>
      validAnchorFlags(anchors, cfg.anchorStrides, this.numAnchors, m.padShape ?? [bh, bw]),
    );
    const rt = await rpnTargets(
      concatAnchors(anchors),
      flags,
      batch.gtBoxes,
      cfg.assigner,
      cfg.sampler,
      this.#coder,
      rng,
    );
    const t = anchors.total;
    const avg = Math.max(rt.avgFactor, 1);
    const cls = tf.div(
      tf.sum(
        tf.mul(
          bceWithLogits(out.logits, tf.tensor2d(rt.labels, [n, t])),
          tf.tensor2d(rt.labelWeights, [n, t]),
        ),
      ),
      avg,
    );
    const bbox = weightedL1(
      out.deltas,
      tf.tensor2d(rt.bboxTargets, [n, 4 * t]),
      tf.tensor2d(rt.bboxWeights, [n, 4 * t]),
      avg,
    );
    return {
      loss_rpn_cls: tf.mul(cls, cfg.lossClsWeight) as tf.Scalar,
      loss_rpn_bbox: tf.mul(bbox, cfg.lossBboxWeight) as tf.Scalar,
    };
  }

  /** Per image, the proposals of the host copies of `forward`'s outputs (train or test settings). */
  async predict(
    anchors: AnchorSet,
    logits: Float32Array,
    deltas: Float32Array,
    metas: DetectorImageMeta[],
    mode: 'train' | 'test',
  ): Promise<Proposals[]> {
    const t = anchors.total;
    const cfg = mode === 'train' ? this.cfg.train : this.cfg.test;
    const out: Proposals[] = [];
    for (const [i, m] of metas.entries()) {
      out.push(
        await rpnProposals(
          anchors,
          logits.subarray(i * t, (i + 1) * t),
          deltas.subarray(i * t * 4, (i + 1) * t * 4),
          m.imageShape,
          cfg,
          this.#coder,
        ),
      );
    }
    return out;
  }
}

function concatAnchors(set: AnchorSet): Float32Array {
  const out = new Float32Array(set.total * 4);
  set.perLevel.forEach((a, l) => {
    out.set(a, set.levelStart[l] * 4);
  });
  return out;
}
