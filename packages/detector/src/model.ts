import {
  type ClassificationLoss,
  classificationLosses,
  type LossTerms,
  type PluginState,
  type TaskTransfer,
  type TaskTransferInputs,
  type TransferStepContext,
  taskTransfers,
} from '@crat/core';
import {
  AnchorGenerator,
  batchedNms,
  DeltaXYWHBBoxCoder,
  maskTargets,
  multiLevelRoiAlign,
  pasteMasks,
} from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { Fpn } from './backbone/fpn.js';
import { ResNet } from './backbone/resnet.js';
import type { DetectorBatch, DetectorImageMeta, DetectorInputs } from './batch.js';
import { maskShape, validateBatch } from './batch.js';
import { decodeDeltas, encodeDeltas, scaleBoxes } from './boxes.js';
import { type DetectorConfig, validateDetectorConfig } from './config.js';
import './losses/cross-entropy.js';
import { bceWithLogits, weightedL1 } from './losses/elementwise.js';
import { ParamStore } from './params.js';
import { Rng } from './rng.js';
import { BBoxHead } from './roi/bbox-head.js';
import { MaskHead } from './roi/mask-head.js';
import { roiBoxes, sampleRois } from './roi/roi-targets.js';
import { type AnchorSet, buildAnchors, validAnchorFlags } from './rpn/anchors.js';
import { type Proposals, rpnProposals } from './rpn/proposals.js';
import { RpnHead } from './rpn/rpn-head.js';
import { rpnTargets } from './rpn/rpn-targets.js';

/** Plug-in instances to use instead of building them from the config. */
export interface DetectorPlugins {
  classificationLoss?: ClassificationLoss;
  transfers?: TaskTransfer[];
  /**
   * Prefix of the TF.js variable names (`${scope}/${paramName}`), which key the optimizer's
   * momentum buffers: give it a fixed value when those buffers are checkpointed. It must be
   * unique among live models; default `maskrcnn<n>`.
   */
  scope?: string;
}

/** Per training step: the iteration (handed to transfer plug-ins). */
export interface TrainContext {
  iteration: number;
}

/** Detections of one image in original-image pixels, by descending score. */
export interface Detections {
  imageId: number;
  /** `D x 4` boxes `x1, y1, x2, y2`. */
  boxes: Float32Array;
  scores: Float32Array;
  /** Class indices 0..C-1. */
  labels: Int32Array;
  /** Binary masks at the original image size (row-major), when requested. */
  masks?: Uint8Array[];
  originalShape: [number, number];
}

export interface PredictOptions {
  /** Compute and paste masks (default true). */
  withMasks?: boolean;
}

let modelCounter = 0;

/** Detections whose masks are computed at once at inference. */
const MASK_CHUNK = 64;

/** Names of the raw RPN outputs of a batch, flattened over levels. */
interface RpnFlat {
  logits: tf.Tensor2D; // [N, T]
  deltas: tf.Tensor2D; // [N, 4T]
}

/** How many RoIs one training step sampled for the RoI heads, and how many of them are positive. */
export interface RoiSamplingStats {
  rois: number;
  positives: number;
}

/**
 * Mask R-CNN as mmdetection's `mask_rcnn_r50_fpn`: ResNet + FPN, RPN, Shared2FC bbox head with a
 * pluggable classification loss and class-wise regression, FCN mask head; both class-wise
 * branches hand their positives to `TaskTransfer` plug-ins. All tensors NHWC.
 */
export class MaskRCNN {
  readonly config: DetectorConfig;
  readonly params: ParamStore;
  readonly backbone: ResNet;
  readonly neck: Fpn;
  readonly rpnHead: RpnHead;
  readonly bboxHead: BBoxHead;
  readonly maskHead: MaskHead;
  readonly classificationLoss: ClassificationLoss;
  readonly transfers: TaskTransfer[];
  /** Draws the RPN and RoI samples; its state is part of `getState()`. */
  readonly samplerRng: Rng;
  /**
   * RoIs the last `computeLosses` sampled for the RoI heads (detectron2's
   * `roi_head/num_fg_samples` and `num_bg_samples`): the mask head's cost grows with `positives`.
   */
  lastSampling: RoiSamplingStats = { rois: 0, positives: 0 };
  readonly #anchorGenerator: AnchorGenerator;
  readonly #rpnCoder: DeltaXYWHBBoxCoder;
  readonly #bboxCoder: DeltaXYWHBBoxCoder;
  readonly #anchorCache = new Map<string, AnchorSet>();

  constructor(config: DetectorConfig, plugins: DetectorPlugins = {}) {
    validateDetectorConfig(config);
    this.config = config;
    const c = config.numClasses;
    this.classificationLoss =
      plugins.classificationLoss ??
      classificationLosses.create(
        config.roiHead.bbox.loss,
        { numClasses: c, classInstanceCounts: config.classInstanceCounts },
        'detector config roiHead.bbox.loss',
      );
    this.transfers = plugins.transfers ?? [
      ...config.transfers.bbox.map((t, i) =>
        taskTransfers.create(
          t,
          { numClasses: c, branch: 'bbox' },
          `detector config transfers.bbox[${i}]`,
        ),
      ),
      ...config.transfers.mask.map((t, i) =>
        taskTransfers.create(
          t,
          { numClasses: c, branch: 'mask' },
          `detector config transfers.mask[${i}]`,
        ),
      ),
    ];
    const initRng = new Rng(config.seed);
    this.samplerRng = new Rng((config.seed ^ 0x5eed5eed) >>> 0);
    this.params = new ParamStore(initRng, plugins.scope ?? `maskrcnn${modelCounter++}`);
    this.backbone = new ResNet(this.params, config.backbone);
    this.neck = new Fpn(this.params, this.backbone.outChannels, config.fpn);
    const rpn = config.rpn;
    this.#anchorGenerator = new AnchorGenerator({
      strides: rpn.anchorStrides,
      ratios: rpn.anchorRatios,
      scales: rpn.anchorScales,
    });
    this.rpnHead = new RpnHead(
      this.params,
      config.fpn.outChannels,
      rpn.featChannels,
      this.#anchorGenerator.numBaseAnchors,
    );
    this.bboxHead = new BBoxHead(
      this.params,
      config.fpn.outChannels,
      c,
      this.classificationLoss.numLogits,
      config.roiHead.bbox,
    );
    this.maskHead = new MaskHead(this.params, config.fpn.outChannels, c, config.roiHead.mask);
    this.#rpnCoder = new DeltaXYWHBBoxCoder({ means: [0, 0, 0, 0], stds: [1, 1, 1, 1] });
    this.#bboxCoder = new DeltaXYWHBBoxCoder({
      means: [0, 0, 0, 0],
      stds: config.roiHead.bbox.targetStds,
    });
  }

  /** FPN levels P2..P(1+numOuts) of normalised NHWC images. */
  features(images: tf.Tensor4D): tf.Tensor4D[] {
    return this.neck.apply(this.backbone.apply(images));
  }

  #anchors(features: tf.Tensor4D[]): AnchorSet {
    const sizes = features.map((f) => [f.shape[1], f.shape[2]] as [number, number]);
    const key = sizes.map((s) => s.join('x')).join(',');
    let set = this.#anchorCache.get(key);
    if (!set) {
      set = buildAnchors(this.#anchorGenerator, sizes);
      this.#anchorCache.set(key, set);
    }
    return set;
  }

  #rpnFlat(features: tf.Tensor4D[]): RpnFlat {
    const { cls, reg } = this.rpnHead.apply(features);
    const n = features[0].shape[0];
    return {
      logits: tf.concat(
        cls.map((t) => tf.reshape(t, [n, -1])),
        1,
      ) as tf.Tensor2D,
      deltas: tf.concat(
        reg.map((t) => tf.reshape(t, [n, -1])),
        1,
      ) as tf.Tensor2D,
    };
  }

  #proposals(
    anchors: AnchorSet,
    logits: Float32Array,
    deltas: Float32Array,
    metas: DetectorImageMeta[],
    train: boolean,
  ): Proposals[] {
    const t = anchors.total;
    const cfg = train ? this.config.rpn.train : this.config.rpn.test;
    return metas.map((m, i) =>
      rpnProposals(
        anchors,
        logits.subarray(i * t, (i + 1) * t),
        deltas.subarray(i * t * 4, (i + 1) * t * 4),
        m.imageShape,
        cfg,
        this.#rpnCoder,
      ),
    );
  }

  #roiFeatures(features: tf.Tensor4D[], rois: tf.Tensor2D, size: number): tf.Tensor4D {
    const r = this.config.roiHead;
    return multiLevelRoiAlign(features.slice(0, r.featStrides.length), rois, {
      outputSize: [size, size],
      strides: r.featStrides,
      samplingRatio: r.samplingRatio,
      aligned: r.aligned,
      finestScale: r.finestScale,
    });
  }

  /**
   * Forward pass and every loss term of a training batch (`loss_rpn_cls`, `loss_rpn_bbox`,
   * `loss_cls` (or the classification plug-in's terms), `loss_bbox`, `loss_mask`, then the
   * transfer plug-ins' terms). Call it inside a gradient scope (`tf.variableGrads`); the
   * caller owns the returned tensors.
   */
  computeLosses(batch: DetectorBatch, ctx: TrainContext = { iteration: 0 }): LossTerms {
    validateBatch(batch, this.config.numClasses);
    const cfg = this.config;
    const c = cfg.numClasses;
    const n = batch.images.shape[0];
    const terms: LossTerms = {};
    const addTerms = (more: LossTerms, who: string) => {
      for (const [k, v] of Object.entries(more)) {
        if (k in terms)
          throw new Error(`loss term '${k}' from ${who} is already produced by another part`);
        terms[k] = v;
      }
    };
    const feats = this.features(batch.images);

    // RPN
    const anchors = this.#anchors(feats);
    const { logits, deltas } = this.#rpnFlat(feats);
    const [bh, bw] = [batch.images.shape[1], batch.images.shape[2]];
    const flags = batch.metas.map((m) =>
      validAnchorFlags(
        anchors,
        cfg.rpn.anchorStrides,
        this.rpnHead.numAnchors,
        m.padShape ?? [bh, bw],
      ),
    );
    const allAnchors = concatAnchors(anchors);
    const rt = rpnTargets(
      allAnchors,
      flags,
      batch.gtBoxes,
      cfg.rpn.assigner,
      cfg.rpn.sampler,
      this.#rpnCoder,
      this.samplerRng,
    );
    const t = anchors.total;
    const rpnAvg = Math.max(rt.avgFactor, 1);
    terms.loss_rpn_cls = tf.mul(
      tf.div(
        tf.sum(
          tf.mul(
            bceWithLogits(logits, tf.tensor2d(rt.labels, [n, t])),
            tf.tensor2d(rt.labelWeights, [n, t]),
          ),
        ),
        rpnAvg,
      ),
      cfg.rpn.lossClsWeight,
    ) as tf.Scalar;
    terms.loss_rpn_bbox = tf.mul(
      weightedL1(
        deltas,
        tf.tensor2d(rt.bboxTargets, [n, 4 * t]),
        tf.tensor2d(rt.bboxWeights, [n, 4 * t]),
        rpnAvg,
      ),
      cfg.rpn.lossBboxWeight,
    ) as tf.Scalar;

    const proposals = this.#proposals(
      anchors,
      logits.dataSync() as Float32Array,
      deltas.dataSync() as Float32Array,
      batch.metas,
      true,
    );

    // RoI sampling
    const s = sampleRois(
      proposals.map((p) => p.boxes),
      batch.gtBoxes,
      batch.gtLabels,
      c,
      cfg.roiHead.assigner,
      cfg.roiHead.sampler,
      this.samplerRng,
    );
    const k = s.labels.length;
    const p = s.numPos;
    this.lastSampling = { rois: k, positives: p };
    const rois = tf.tensor2d(s.rois, [k, 5]);
    const posBoxes = roiBoxes(s.rois, 0, p);
    const posLabels = tf.tensor1d(s.labels.subarray(0, p), 'int32');
    const roiInfo = {
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
    const transferCtx: TransferStepContext = { iteration: ctx.iteration, shared: new Map() };

    // bbox branch
    const bbox = this.bboxHead.apply(this.#roiFeatures(feats, rois, cfg.roiHead.bbox.roiSize));
    addTerms(
      this.classificationLoss.forward(bbox.clsLogits, tf.tensor1d(s.labels, 'int32'), {
        avgFactor: k,
      }),
      `classification loss '${this.classificationLoss.type}'`,
    );
    const bboxTargets = tf.tensor2d(encodeDeltas(this.#bboxCoder, posBoxes, s.posGtBoxes), [p, 4]);
    const posDeltas = tf.slice(bbox.deltas, [0, 0], [p, 4 * c]);
    const oneHotPos = tf.cast(tf.oneHot(posLabels, c), 'float32');
    // Reductions over empty tensors crash the wasm backend (Transpose divides by zero), so the
    // P = 0 case takes a zero that still depends on the deltas.
    terms.loss_bbox = tf.mul(
      p > 0
        ? weightedL1(
            tf.sum(tf.mul(tf.reshape(posDeltas, [p, c, 4]), tf.reshape(oneHotPos, [p, c, 1])), 1),
            bboxTargets,
            undefined,
            k,
          )
        : tf.mul(tf.sum(bbox.deltas), 0),
      cfg.roiHead.bbox.lossBboxWeight,
    ) as tf.Scalar;
    const bboxInputs: TaskTransferInputs = {
      branch: 'bbox',
      numClasses: c,
      features: tf.slice(bbox.features, [0, 0], [p, bbox.features.shape[1]]),
      labels: posLabels,
      predictions: posDeltas,
      targets: bboxTargets,
      targetWeights: tf.ones([p, 4]) as tf.Tensor2D,
      kernel: this.bboxHead.fcReg.weight,
      bias: this.bboxHead.fcReg.bias,
      avgFactor: Math.max(k, 1),
      roiInfo,
    };

    // mask branch (positives only)
    const m = cfg.roiHead.mask.maskSize;
    let maskInputs: TaskTransferInputs;
    if (p > 0) {
      const mask = this.maskHead.apply(
        this.#roiFeatures(feats, tf.slice(rois, [0, 0], [p, 5]), cfg.roiHead.mask.roiSize),
      );
      const targets = tf.tensor3d(this.#maskTargets(batch, s.posImage, s.posGtIndex, posBoxes, m), [
        p,
        m,
        m,
      ]);
      const chosen = tf.sum(tf.mul(mask.logits, tf.reshape(oneHotPos, [p, 1, 1, c])), 3);
      terms.loss_mask = tf.mul(
        tf.mean(bceWithLogits(chosen, targets)),
        cfg.roiHead.mask.lossMaskWeight,
      ) as tf.Scalar;
      maskInputs = {
        branch: 'mask',
        numClasses: c,
        features: mask.features,
        labels: posLabels,
        predictions: mask.logits,
        targets,
        kernel: this.maskHead.convLogits.weight,
        bias: this.maskHead.convLogits.bias,
        avgFactor: p * m * m,
        roiInfo,
      };
    } else {
      terms.loss_mask = tf.scalar(0);
      maskInputs = {
        branch: 'mask',
        numClasses: c,
        features: tf.zeros([0, m, m, cfg.roiHead.mask.convChannels]),
        labels: posLabels,
        predictions: tf.zeros([0, m, m, c]),
        targets: tf.zeros([0, m, m]),
        kernel: this.maskHead.convLogits.weight,
        bias: this.maskHead.convLogits.bias,
        // The contract wants a positive normaliser even when there is nothing to normalise.
        avgFactor: 1,
        roiInfo,
      };
    }

    // transfer plug-ins: every bbox one before any mask one, sharing one step context
    for (const branch of ['bbox', 'mask'] as const) {
      for (const tr of this.transfers.filter((x) => x.branch === branch)) {
        addTerms(
          tr.losses(branch === 'bbox' ? bboxInputs : maskInputs, transferCtx),
          `task transfer '${tr.type}' (${branch})`,
        );
      }
    }
    return terms;
  }

  #maskTargets(
    batch: DetectorBatch,
    posImage: Int32Array,
    posGtIndex: Int32Array,
    posBoxes: Float32Array,
    size: number,
  ): Float32Array {
    const out = new Float32Array(posImage.length * size * size);
    let start = 0;
    while (start < posImage.length) {
      const img = posImage[start];
      let end = start;
      while (end < posImage.length && posImage[end] === img) end++;
      const masks = Array.from(posGtIndex.subarray(start, end), (g) => batch.gtMasks[img][g]);
      const [h, w] = maskShape(batch.metas[img], masks[0].length);
      out.set(
        maskTargets(posBoxes.subarray(start * 4, end * 4), masks, h, w, size),
        start * size * size,
      );
      start = end;
    }
    return out;
  }

  /**
   * Inference: RPN proposals (test settings), class scores from the classification loss's
   * `scores`, class-wise boxes, per-class NMS, the best `test.maxPerImg` per image, masks pasted
   * at the original size. Boxes are in original-image pixels.
   */
  async detect(inputs: DetectorInputs, opts: PredictOptions = {}): Promise<Detections[]> {
    const cfg = this.config;
    const c = cfg.numClasses;
    const withMasks = opts.withMasks ?? true;
    const feats = tf.tidy(() => this.features(inputs.images));
    try {
      const anchors = this.#anchors(feats);
      const [rpnLogits, rpnDeltas] = tf.tidy(() => {
        const out = this.#rpnFlat(feats);
        return [out.logits, out.deltas];
      });
      const [logitsArr, deltasArr] = await Promise.all([rpnLogits.data(), rpnDeltas.data()]);
      tf.dispose([rpnLogits, rpnDeltas]);
      const proposals = this.#proposals(
        anchors,
        logitsArr as Float32Array,
        deltasArr as Float32Array,
        inputs.metas,
        false,
      );
      const counts = proposals.map((p) => p.scores.length);
      const total = counts.reduce((a, b) => a + b, 0);
      const roiRows = new Float32Array(total * 5);
      let r = 0;
      proposals.forEach((prop, img) => {
        for (let j = 0; j < prop.scores.length; j++, r++) {
          roiRows[r * 5] = img;
          roiRows.set(prop.boxes.subarray(j * 4, j * 4 + 4), r * 5 + 1);
        }
      });
      let scoresArr: Float32Array = new Float32Array(0);
      let deltas: Float32Array = new Float32Array(0);
      if (total > 0) {
        const [sc, de] = tf.tidy(() => {
          const out = this.bboxHead.apply(
            this.#roiFeatures(feats, tf.tensor2d(roiRows, [total, 5]), cfg.roiHead.bbox.roiSize),
          );
          return [this.classificationLoss.scores(out.clsLogits), out.deltas];
        });
        if (sc.shape[1] !== c + 1) {
          throw new Error(
            `classification loss '${this.classificationLoss.type}': scores() returned ${sc.shape[1]} columns, expected C+1 = ${c + 1}`,
          );
        }
        scoresArr = (await sc.data()) as Float32Array;
        deltas = (await de.data()) as Float32Array;
        tf.dispose([sc, de]);
      }
      const dets: Detections[] = [];
      let offset = 0;
      inputs.metas.forEach((meta, img) => {
        const ni = counts[img];
        const boxes = scaleBoxes(
          decodeDeltas(
            this.#bboxCoder,
            proposals[img].boxes,
            deltas.subarray(offset * 4 * c, (offset + ni) * 4 * c),
            meta.imageShape,
          ),
          meta.scaleFactor,
          true,
        );
        dets.push(
          multiclassNms(
            boxes,
            scoresArr.subarray(offset * (c + 1), (offset + ni) * (c + 1)),
            ni,
            c,
            cfg.test,
            meta,
          ),
        );
        offset += ni;
      });
      if (withMasks) await this.#detectMasks(feats, dets, inputs.metas);
      return dets;
    } finally {
      tf.dispose(feats);
    }
  }

  async #detectMasks(
    feats: tf.Tensor4D[],
    dets: Detections[],
    metas: DetectorImageMeta[],
  ): Promise<void> {
    const cfg = this.config;
    const c = cfg.numClasses;
    const m = cfg.roiHead.mask.maskSize;
    const total = dets.reduce((a, d) => a + d.scores.length, 0);
    if (total === 0) {
      for (const d of dets) d.masks = [];
      return;
    }
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
    const probArr = new Float32Array(total * m * m);
    for (let start = 0; start < total; start += MASK_CHUNK) {
      const n = Math.min(MASK_CHUNK, total - start);
      const probs = tf.tidy(() => {
        const out = this.maskHead.apply(
          this.#roiFeatures(
            feats,
            tf.tensor2d(rows.subarray(start * 5, (start + n) * 5), [n, 5]),
            cfg.roiHead.mask.roiSize,
          ),
        );
        const oneHot = tf.reshape(
          tf.cast(tf.oneHot(tf.tensor1d(labels.subarray(start, start + n), 'int32'), c), 'float32'),
          [n, 1, 1, c],
        );
        return tf.sigmoid(tf.sum(tf.mul(out.logits, oneHot), 3));
      });
      probArr.set((await probs.data()) as Float32Array, start * m * m);
      probs.dispose();
    }
    let offset = 0;
    dets.forEach((d) => {
      const nd = d.scores.length;
      const [h, w] = d.originalShape;
      d.masks = pasteMasks(
        probArr.subarray(offset * m * m, (offset + nd) * m * m),
        m,
        d.boxes,
        h,
        w,
        cfg.test.maskThrBinary,
      ).map((x) => Uint8Array.from(x));
      offset += nd;
    });
  }

  /** Sampler RNG and plug-in states, JSON (weights go to safetensors). */
  getState(): PluginState {
    return {
      samplerRng: this.samplerRng.state,
      classificationLoss: this.classificationLoss.getState(),
      transfers: this.transfers.map((t) => t.getState()),
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

function concatAnchors(set: AnchorSet): Float32Array {
  const out = new Float32Array(set.total * 4);
  set.perLevel.forEach((a, l) => {
    out.set(a, set.levelStart[l] * 4);
  });
  return out;
}

/**
 * mmdetection `multiclass_nms`: every (box, class) pair scoring above `scoreThr` is a
 * candidate with that class's box; NMS per class; the best `maxPerImg` kept.
 */
export function multiclassNms(
  boxes: Float32Array,
  scores: Float32Array,
  n: number,
  numClasses: number,
  cfg: { scoreThr: number; nmsIouThr: number; maxPerImg: number },
  meta: DetectorImageMeta,
): Detections {
  const candBoxes: number[] = [];
  const candScores: number[] = [];
  const candLabels: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let cl = 0; cl < numClasses; cl++) {
      const sc = scores[i * (numClasses + 1) + cl];
      if (sc > cfg.scoreThr) {
        const o = i * numClasses * 4 + cl * 4;
        candBoxes.push(boxes[o], boxes[o + 1], boxes[o + 2], boxes[o + 3]);
        candScores.push(sc);
        candLabels.push(cl);
      }
    }
  }
  const cb = Float32Array.from(candBoxes);
  const cs = Float32Array.from(candScores);
  const cl = Int32Array.from(candLabels);
  const keep =
    cs.length > 0 ? batchedNms(cb, cs, cl, cfg.nmsIouThr, cfg.maxPerImg) : new Int32Array(0);
  const outBoxes = new Float32Array(keep.length * 4);
  const outScores = new Float32Array(keep.length);
  const outLabels = new Int32Array(keep.length);
  keep.forEach((k, j) => {
    outBoxes.set(cb.subarray(k * 4, k * 4 + 4), j * 4);
    outScores[j] = cs[k];
    outLabels[j] = cl[k];
  });
  return {
    imageId: meta.imageId,
    boxes: outBoxes,
    scores: outScores,
    labels: outLabels,
    originalShape: meta.originalShape,
  };
}
