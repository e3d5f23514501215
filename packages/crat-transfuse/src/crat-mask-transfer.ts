import type {
  LossTerms,
  PluginState,
  TaskTransfer,
  TaskTransferInputs,
  TransferStepContext,
} from '@crat/core';
import { writeJsonAtomic } from '@crat/core';
import * as tf from '@tensorflow/tfjs-core';
import { presentClasses } from './class-index.js';
import { fisherGuidedClassWeights } from './class-weight-step.js';
import { detach } from './detach.js';
import {
  type CratDiagnostics,
  TransferDiagnostics,
  type WriteDiagnosticsOptions,
} from './diagnostics.js';
import { FisherBank } from './fisher-bank.js';
import { expectShape } from './input-checks.js';
import { maskLossPerClass, ownClassMaskLogits, perRoiMaskGradients } from './mask-math.js';
import { floatOneHot } from './one-hot.js';
import { CRAT_MASK_DEFAULTS, type CratMaskOptions, validateMaskOptions } from './options.js';
import { type CratStateParts, cratStateOf, restoreCratState } from './plugin-state.js';
import { isSharedClassWeights } from './shared.js';
import { zeroLossOf } from './zero-loss.js';

export const CRAT_MASK_TYPE = 'crat-mask';
const STATE_FORMAT = 'crat-transfuse/mask/v1';

/**
 * CRAT on the class-wise 1x1 mask-logits conv: trains every class's mask channel on each
 * positive RoI's mask target, weighted by the bbox branch's class weights of the same step
 * (published behaviour) or by weights from the mask branch's own Fisher (`weightsFrom: 'mask'`).
 * Keeps the mask layer's per-class Fisher `[C, D]` either way.
 */
export class CratMaskTransfer implements TaskTransfer {
  readonly type = CRAT_MASK_TYPE;
  readonly branch = 'mask' as const;
  readonly options: CratMaskOptions;
  readonly #bank: FisherBank;
  readonly #diag: TransferDiagnostics;

  constructor(
    readonly numClasses: number,
    options: Partial<CratMaskOptions> = {},
  ) {
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw new RangeError(
        `${CRAT_MASK_TYPE}: numClasses must be a positive integer, got ${numClasses}`,
      );
    }
    this.options = validateMaskOptions({ ...CRAT_MASK_DEFAULTS, ...options });
    this.#bank = new FisherBank(numClasses, CRAT_MASK_TYPE);
    this.#diag = new TransferDiagnostics(
      numClasses,
      this.options.diagnosticsTopK,
      this.options.diagnosticsTopSources,
    );
  }

  /** The mask Fisher statistics `[C, D]` (null before the first step); owned by the plug-in. */
  get fisher(): tf.Tensor2D | null {
    return this.#bank.fisher;
  }

  losses(inputs: TaskTransferInputs, ctx: TransferStepContext): LossTerms {
    const where = CRAT_MASK_TYPE;
    if (inputs.branch !== 'mask')
      throw new TypeError(`${where}: attached to the '${inputs.branch}' branch, expected 'mask'`);
    if (inputs.numClasses !== this.numClasses) {
      throw new RangeError(
        `${where}: inputs.numClasses = ${inputs.numClasses}, but the plug-in was built for ${this.numClasses}`,
      );
    }
    const c = this.numClasses;
    const p = inputs.labels.shape[0];
    expectShape(where, 'features', inputs.features, [p, null, null, null]);
    const [, h, w, d] = inputs.features.shape;
    expectShape(where, 'predictions', inputs.predictions, [p, h, w, c]);
    expectShape(where, 'targets', inputs.targets, [p, h, w]);
    expectShape(where, 'kernel', inputs.kernel, [1, 1, d, c]);
    if (!(inputs.avgFactor > 0))
      throw new RangeError(`${where}: inputs.avgFactor must be > 0, got ${inputs.avgFactor}`);
    const o = this.options;
    const shared = o.weightsFrom === 'bbox' ? this.#sharedWeights(ctx, p) : undefined;

    const labels = inputs.labels.dataSync();
    const present = presentClasses(labels, c, `${where}: inputs`);
    const hw = h * w;

    const out = tf.tidy(() => {
      const logits = tf.reshape(inputs.predictions, [p, hw, c]) as tf.Tensor3D;
      if (p === 0)
        return {
          loss: zeroLossOf(logits),
          weights: tf.zeros([0, c]) as tf.Tensor2D,
        };
      const onehot = floatOneHot(inputs.labels, c);
      const targets = detach(tf.reshape(inputs.targets, [p, hw]) as tf.Tensor2D);
      const perRoi = detach(
        perRoiMaskGradients(
          tf.reshape(inputs.features, [p, hw, d]) as tf.Tensor3D,
          ownClassMaskLogits(logits, labels),
          targets,
          1 / inputs.avgFactor,
        ),
      );
      let weights: tf.Tensor2D;
      if (shared) {
        // The Fisher is kept as state even though the published loss does not read it.
        this.#bank.update(perRoi, present, o.mode, o.momentum);
        weights = tf.clone(o.maskUnseenClasses ? shared.transferWeights : shared.classWeights);
      } else {
        const step = fisherGuidedClassWeights(this.#bank, perRoi, present, onehot, o);
        weights = o.maskUnseenClasses
          ? (tf.mul(step.classWeights, tf.reshape(step.seen, [1, c])) as tf.Tensor2D)
          : step.classWeights;
      }
      const loss = tf.mul(
        tf.sum(tf.mul(weights, maskLossPerClass(logits, targets))),
        o.lossWeight,
      ) as tf.Scalar;
      return { loss, weights };
    });

    if (p > 0)
      this.#diag.record(
        out.weights.dataSync() as Float32Array,
        labels,
        inputs.roiInfo,
        ctx.iteration,
      );
    out.weights.dispose();
    return { loss_mask_trans: out.loss };
  }

  #sharedWeights(ctx: TransferStepContext, p: number) {
    const where = CRAT_MASK_TYPE;
    const s = ctx.shared.get(this.options.shareKey);
    if (s === undefined) {
      throw new Error(
        `${where}: weightsFrom is 'bbox' but nothing is published under ctx.shared['${this.options.shareKey}']: ` +
          `enable 'crat-bbox' on the bbox branch (it must run before the mask branch in the same step), or set weightsFrom: 'mask'`,
      );
    }
    if (!isSharedClassWeights(s))
      throw new TypeError(
        `${where}: ctx.shared['${this.options.shareKey}'] is not CRAT class weights`,
      );
    if (s.iteration !== ctx.iteration) {
      throw new Error(
        `${where}: the bbox branch's weights are from iteration ${s.iteration}, this is iteration ${ctx.iteration}`,
      );
    }
    if (s.numPositives !== p || s.classWeights.isDisposed || s.transferWeights.isDisposed) {
      throw new RangeError(
        `${where}: the bbox branch published weights for ${s.numPositives} positive RoIs, the mask branch has ${p} (both must list the same positives in the same order)`,
      );
    }
    return s;
  }

  diagnostics(opts?: WriteDiagnosticsOptions): CratDiagnostics & Record<string, unknown> {
    return { ...this.#diag.summary(this.branch, this.options.mode, opts) };
  }

  transferMatrix(): Float64Array {
    return this.#diag.matrix;
  }

  async writeDiagnostics(path: string, opts?: WriteDiagnosticsOptions): Promise<void> {
    await writeJsonAtomic(path, this.diagnostics(opts), 1);
  }

  getState(): PluginState {
    return cratStateOf(this.#stateParts());
  }

  setState(state: PluginState): void {
    restoreCratState(this.#stateParts(), state);
  }

  #stateParts(): CratStateParts {
    return {
      type: CRAT_MASK_TYPE,
      format: STATE_FORMAT,
      mode: this.options.mode,
      numClasses: this.numClasses,
      bank: this.#bank,
      diagnostics: this.#diag,
    };
  }

  dispose(): void {
    this.#bank.dispose();
  }
}
