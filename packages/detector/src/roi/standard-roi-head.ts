// The RoI head (mmdetection 3's `StandardRoIHead`, detectron2's `StandardROIHeads`): RoI
// sampling, the box and mask branches' losses, what they hand to task-transfer plug-ins, and
// box and mask prediction.

import type {
  ClassificationLoss,
  LossTerms,
  PositiveRoiInfo,
  Rng,
  TaskTransfer,
  TaskTransferInputs,
} from '@crat/core';
import { newTransferStepContext } from '@crat/core';
import { DeltaXYWHBBoxCoder, multiLevelRoiAlign } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { DetectorBatch, DetectorImageMeta } from '../batch.js';
import { encodeDeltas, scaleBoxes } from '../boxes.js';
import type { RoiHeadConfig, TestConfig } from '../config.js';
import { bceWithLogits, weightedL1 } from '../losses/elementwise.js';
import type { ParamStore } from '../params.js';
import { boxDetections, type Detections, pasteDetectionMasks } from '../post-processing.js';
import type { Proposals } from '../rpn/proposals.js';
import { BBoxHead } from './bbox-head.js';
import { MaskHead } from './mask-head.js';
import { type RoiSamples, roiBoxes, roiMaskTargets, sampleRois } from './roi-targets.js';

/** How many RoIs one training step sampled for the RoI heads, and how many of them are positive. */
export type RoiSamplingStats = {
  rois: number;
  positives: number;
};

/** The RoI head's loss terms and what its sampling drew (detectron2's `num_fg/bg_samples`). */
export interface RoiHeadLoss {
  terms: LossTerms;
  sampling: RoiSamplingStats;
}

/** Detections whose masks are computed at once at inference. */
const MASK_CHUNK = 64;

/** What the sampled RoIs of a step give both branches. */
interface SampledRois {
  samples: RoiSamples;
  /** `K x 5` RoI rows (host: RoIAlign plans on the host). */
  rois: Float32Array;
  /** The positives' boxes `P x 4` (resized-image pixels) and labels (tensor and host copy). */
  posBoxes: Float32Array;
  posLabels: tf.Tensor1D;
  posLabelValues: Int32Array;
  /** `[P, C]` one-hot of the positives' labels. */
  oneHotPos: tf.Tensor2D;
  roiInfo: PositiveRoiInfo;
}

/**
 * Box branch (`BBoxHead`: shared FCs, classifier with a pluggable `ClassificationLoss`,
 * class-wise regression) and mask branch (`MaskHead`, positives only); both class-wise
 * branches hand their positives to the `TaskTransfer` plug-ins, every bbox one first.
 */
export class StandardRoIHead {
  readonly bboxHead: BBoxHead;
  readonly maskHead: MaskHead;
  readonly #coder: DeltaXYWHBBoxCoder;

  constructor(
    store: ParamStore,
    inChannels: number,
    readonly numClasses: number,
    readonly cfg: RoiHeadConfig,
    readonly classificationLoss: ClassificationLoss,
    readonly transfers: readonly TaskTransfer[],
  ) {
    this.bboxHead = new BBoxHead(
      store,
      inChannels,
      numClasses,
      classificationLoss.numLogits,
      cfg.bbox,
    );
    this.maskHead = new MaskHead(store, inChannels, numClasses, cfg.mask);
    this.#coder = new DeltaXYWHBBoxCoder({ means: [0, 0, 0, 0], stds: cfg.bbox.targetStds });
  }

  /** RoIAlign of `K x 5` host RoI rows from the FPN levels the config names, `size x size`. */
  roiFeatures(features: tf.Tensor4D[], rois: Float32Array, size: number): tf.Tensor4D {
    const r = this.cfg;
    return multiLevelRoiAlign(features.slice(0, r.featStrides.length), rois, {
      outputSize: [size, size],
      strides: r.featStrides,
      samplingRatio: r.samplingRatio,
      aligned: r.aligned,
      finestScale: r.finestScale,
    });
  }

  /**
   * Every loss term of the RoI head for one training batch: the classification plug-in's
   * terms, `loss_bbox`, `loss_mask`, then the transfer plug-ins' terms. Call it inside a
   * gradient scope (`variableGradsAsync`); the caller owns the returned tensors.
   */
  async loss(
    features: tf.Tensor4D[],
    proposals: Proposals[],
    batch: DetectorBatch,
    rng: Rng,
    iteration: number,
  ): Promise<RoiHeadLoss> {
    const sampled = this.#sample(proposals, batch, rng);
    const terms: LossTerms = {};
    const addTerms = (more: LossTerms, who: string) => {
      for (const [k, v] of Object.entries(more)) {
        if (k in terms)
          throw new Error(`loss term '${k}' from ${who} is already produced by another part`);
        terms[k] = v;
      }
    };
    const bbox = await this.bboxLoss(features, sampled);
    addTerms(bbox.terms, 'the bbox branch');
    const mask = this.maskLoss(features, sampled, batch);
    addTerms(mask.terms, 'the mask branch');
    const ctx = newTransferStepContext(iteration);
    for (const branch of ['bbox', 'mask'] as const) {
      for (const tr of this.transfers.filter((x) => x.branch === branch)) {
        addTerms(
          await tr.losses(branch === 'bbox' ? bbox.transferInputs : mask.transferInputs, ctx),
          `task transfer '${tr.type}' (${branch})`,
        );
      }
    }
    const { labels, numPos } = sampled.samples;
    return { terms, sampling: { rois: labels.length, positives: numPos } };
  }

  #sample(proposals: Proposals[], batch: DetectorBatch, rng: Rng): SampledRois {
    const c = this.numClasses;
    const s = sampleRois(
      proposals.map((p) => p.boxes),
      batch.gtBoxes,
      batch.gtLabels,
      c,
      this.cfg.assigner,
      this.cfg.sampler,
      rng,
    );
    const p = s.numPos;
    const posBoxes = roiBoxes(s.rois, 0, p);
    const posLabelValues = s.labels.slice(0, p);
    const posLabels = tf.tensor1d(posLabelValues, 'int32');
    const roiInfo: PositiveRoiInfo = {
      imageIds: Array.from(s.posImage, (i) => batch.metas[i].imageId),
      boxes: Array.from(s.posImage, (img, j) => {
        const b = scaleBoxes(
          posBoxes.subarray(j * 4, j * 4 + 4),
          batch.metas[img].scaleFactor,
          true,
        );
        return [b[0], b[1], b[2], b[3]] as [number, number, number, number];
      }),
    };
    return {
      samples: s,
      rois: s.rois,
      posBoxes,
      posLabels,
      posLabelValues,
      oneHotPos: tf.cast(tf.oneHot(posLabels, c), 'float32') as tf.Tensor2D,
      roiInfo,
    };
  }

  /** The classification plug-in's terms and `loss_bbox` (L1 on the positives' own-class deltas). */
  async bboxLoss(
    features: tf.Tensor4D[],
    sampled: SampledRois,
  ): Promise<{ terms: LossTerms; transferInputs: TaskTransferInputs }> {
    const c = this.numClasses;
    const { samples: s, posBoxes, posLabels, oneHotPos } = sampled;
    const k = s.labels.length;
    const p = s.numPos;
    const out = this.bboxHead.apply(
      this.roiFeatures(features, sampled.rois, this.cfg.bbox.roiSize),
    );
    const terms: LossTerms = await this.classificationLoss.forward(out.clsLogits, s.labels, {
      avgFactor: k,
    });
    if ('loss_bbox' in terms) {
      throw new Error(
        `classification loss '${this.classificationLoss.type}' produces 'loss_bbox', which the bbox branch owns`,
      );
    }
    const targets = tf.tensor2d(await encodeDeltas(this.#coder, posBoxes, s.posGtBoxes), [p, 4]);
    const posDeltas = tf.slice(out.deltas, [0, 0], [p, 4 * c]) as tf.Tensor2D;
    // Reductions over empty tensors crash the wasm backend (Transpose divides by zero), so the
    // P = 0 case takes a zero that still depends on the deltas.
    terms.loss_bbox = tf.mul(
      p > 0
        ? weightedL1(
            tf.sum(tf.mul(tf.reshape(posDeltas, [p, c, 4]), tf.reshape(oneHotPos, [p, c, 1])), 1),
            targets,
            undefined,
            k,
          )
        : tf.mul(tf.sum(out.deltas), 0),
      this.cfg.bbox.lossBboxWeight,
    ) as tf.Scalar;
    return {
      terms,
      transferInputs: {
        branch: 'bbox',
        numClasses: c,
        features: tf.slice(out.features, [0, 0], [p, out.features.shape[1]]),
        labels: posLabels,
        labelValues: sampled.posLabelValues,
        predictions: posDeltas,
        targets,
        targetWeights: tf.ones([p, 4]) as tf.Tensor2D,
        kernel: this.bboxHead.fcReg.weight,
        bias: this.bboxHead.fcReg.bias,
        avgFactor: Math.max(k, 1),
        roiInfo: sampled.roiInfo,
      },
    };
  }

  /** `loss_mask`: per-pixel BCE of the positives' own-class mask logits against their GT masks. */
  maskLoss(
    features: tf.Tensor4D[],
    sampled: SampledRois,
    batch: DetectorBatch,
  ): { terms: LossTerms; transferInputs: TaskTransferInputs } {
    const c = this.numClasses;
    const m = this.cfg.mask.maskSize;
    const { samples: s, posBoxes, posLabels, oneHotPos, roiInfo } = sampled;
    const p = s.numPos;
    const common = {
      branch: 'mask' as const,
      numClasses: c,
      labels: posLabels,
      labelValues: sampled.posLabelValues,
      kernel: this.maskHead.convLogits.weight,
      bias: this.maskHead.convLogits.bias,
      roiInfo,
    };
    if (p === 0) {
      return {
        terms: { loss_mask: tf.scalar(0) },
        transferInputs: {
          ...common,
          features: tf.zeros([0, m, m, this.cfg.mask.convChannels]),
          predictions: tf.zeros([0, m, m, c]),
          targets: tf.zeros([0, m, m]),
          // The contract wants a positive normaliser even when there is nothing to normalise.
          avgFactor: 1,
        },
      };
    }
    const out = this.maskHead.apply(
      this.roiFeatures(features, sampled.rois.subarray(0, p * 5), this.cfg.mask.roiSize),
    );
    const targets = tf.tensor3d(roiMaskTargets(batch, s.posImage, s.posGtIndex, posBoxes, m), [
      p,
      m,
      m,
    ]);
    const chosen = tf.sum(tf.mul(out.logits, tf.reshape(oneHotPos, [p, 1, 1, c])), 3);
    return {
      terms: {
        loss_mask: tf.mul(
          tf.mean(bceWithLogits(chosen, targets)),
          this.cfg.mask.lossMaskWeight,
        ) as tf.Scalar,
      },
      transferInputs: {
        ...common,
        features: out.features,
        predictions: out.logits,
        targets,
        avgFactor: p * m * m,
      },
    };
  }

  /**
   * Class scores from the classification loss's `scores`, class-wise boxes decoded, per-class
   * NMS, the best `test.maxPerImg` per image, in original-image pixels.
   */
  async predictBoxes(
    features: tf.Tensor4D[],
    proposals: Proposals[],
    metas: DetectorImageMeta[],
    test: TestConfig,
  ): Promise<Detections[]> {
    const c = this.numClasses;
    const total = proposals.reduce((a, p) => a + p.scores.length, 0);
    const roiRows = new Float32Array(total * 5);
    let r = 0;
    proposals.forEach((prop, img) => {
      for (let j = 0; j < prop.scores.length; j++, r++) {
        roiRows[r * 5] = img;
        roiRows.set(prop.boxes.subarray(j * 4, j * 4 + 4), r * 5 + 1);
      }
    });
    let scores: Float32Array = new Float32Array(0);
    let deltas: Float32Array = new Float32Array(0);
    if (total > 0) {
      const [logits, de] = tf.tidy(() => {
        const out = this.bboxHead.apply(this.roiFeatures(features, roiRows, this.cfg.bbox.roiSize));
        return [out.clsLogits, out.deltas];
      });
      const sc = await this.classificationLoss.scores(logits);
      logits.dispose();
      if (sc.shape[1] !== c + 1) {
        tf.dispose([sc, de]);
        throw new Error(
          `classification loss '${this.classificationLoss.type}': scores() returned ${sc.shape[1]} columns, expected C+1 = ${c + 1}`,
        );
      }
      scores = (await sc.data()) as Float32Array;
      deltas = (await de.data()) as Float32Array;
      tf.dispose([sc, de]);
    }
    return await boxDetections(
      this.#coder,
      proposals.map((p) => p.boxes),
      deltas,
      scores,
      metas,
      c,
      test,
    );
  }

  /** Sets each detection's `masks`: the mask branch on its box and class, pasted at the original size. */
  async predictMasks(
    features: tf.Tensor4D[],
    dets: Detections[],
    metas: DetectorImageMeta[],
    test: TestConfig,
  ): Promise<void> {
    const probs = await this.maskProbabilities(features, dets, metas);
    const m = this.cfg.mask.maskSize;
    pasteDetectionMasks(dets, probs, m, test.maskThrBinary, test.maskPaste);
  }

  /** Each detection's `S x S` mask probabilities (its own class's channel), rows in detection order. */
  async maskProbabilities(
    features: tf.Tensor4D[],
    dets: Detections[],
    metas: DetectorImageMeta[],
  ): Promise<Float32Array> {
    const c = this.numClasses;
    const m = this.cfg.mask.maskSize;
    const total = dets.reduce((a, d) => a + d.scores.length, 0);
    if (total === 0) return new Float32Array(0);
    const rows = new Float32Array(total * 5);
    const labels = new Int32Array(total);
    let r = 0;
    dets.forEach((d, img) => {
      const scaled = scaleBoxes(d.boxes, metas[img].scaleFactor);
      for (let j = 0; j < d.scores.length; j++, r++) {
        rows[r * 5] = img;
        rows.set(scaled.subarray(j * 4, j * 4 + 4), r * 5 + 1);
        labels[r] = d.labels[j];
      }
    });
    // In chunks: 300 detections per image through a 256-channel mask head would hold ~2 GB of
    // activations at once, past what the wasm heap survives.
    const probs = new Float32Array(total * m * m);
    for (let start = 0; start < total; start += MASK_CHUNK) {
      const n = Math.min(MASK_CHUNK, total - start);
      const chunk = tf.tidy(() => {
        const out = this.maskHead.apply(
          this.roiFeatures(
            features,
            rows.subarray(start * 5, (start + n) * 5),
            this.cfg.mask.roiSize,
          ),
        );
        const oneHot = tf.reshape(
          tf.cast(tf.oneHot(tf.tensor1d(labels.subarray(start, start + n), 'int32'), c), 'float32'),
          [n, 1, 1, c],
        );
        return tf.sigmoid(tf.sum(tf.mul(out.logits, oneHot), 3));
      });
      probs.set((await chunk.data()) as Float32Array, start * m * m);
      chunk.dispose();
    }
    return probs;
  }
}
