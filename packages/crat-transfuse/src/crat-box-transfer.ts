import type {
  LossTerms,
  PluginState,
  TaskTransfer,
  TaskTransferInputs,
  TransferStepContext,
} from '@crat/core';
import { writeJsonAtomic } from '@crat/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  boxLossDerivative,
  boxLossPerClass,
  ownClassBoxPredictions,
  perRoiBoxGradients,
} from './box-math.js';
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
import { floatOneHot } from './one-hot.js';
import { CRAT_BOX_DEFAULTS, type CratBoxOptions, validateBoxOptions } from './options.js';
import { type CratStateParts, cratStateOf, restoreCratState } from './plugin-state.js';
import type { SharedClassWeights } from './shared.js';
import { zeroLossOf } from './zero-loss.js';

export const CRAT_BOX_TYPE = 'crat-bbox';
const STATE_FORMAT = 'crat-transfuse/bbox/v1';

/**
 * CRAT on the class-wise box-regression layer. Keeps the per-class diagonal Fisher of the
 * layer (rows `[C, D*4]`, entry `d*4+k` pairs with kernel `[d, 4c+k]`), weights each
 * positive RoI's regression target towards look-alike classes, and publishes the weights in
 * `ctx.shared` for `crat-mask`.
 */
export class CratBoxTransfer implements TaskTransfer {
  readonly type = CRAT_BOX_TYPE;
  readonly branch = 'bbox' as const;
  readonly options: CratBoxOptions;
  readonly #bank: FisherBank;
  readonly #diag: TransferDiagnostics;
  #published: SharedClassWeights | null = null;

  constructor(
    readonly numClasses: number,
    options: Partial<CratBoxOptions> = {},
  ) {
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw new RangeError(
        `${CRAT_BOX_TYPE}: numClasses must be a positive integer, got ${numClasses}`,
      );
    }
    this.options = validateBoxOptions({ ...CRAT_BOX_DEFAULTS, ...options });
    this.#bank = new FisherBank(numClasses, CRAT_BOX_TYPE);
    this.#diag = new TransferDiagnostics(
      numClasses,
      this.options.diagnosticsTopK,
      this.options.diagnosticsTopSources,
    );
  }

  /** The Fisher statistics `[C, D*4]` (null before the first step); owned by the plug-in, do not dispose. */
  get fisher(): tf.Tensor2D | null {
    return this.#bank.fisher;
  }

  losses(inputs: TaskTransferInputs, ctx: TransferStepContext): LossTerms {
    const where = CRAT_BOX_TYPE;
    if (inputs.branch !== 'bbox')
      throw new TypeError(`${where}: attached to the '${inputs.branch}' branch, expected 'bbox'`);
    if (inputs.numClasses !== this.numClasses) {
      throw new RangeError(
        `${where}: inputs.numClasses = ${inputs.numClasses}, but the plug-in was built for ${this.numClasses}`,
      );
    }
    const c = this.numClasses;
    const p = inputs.labels.shape[0];
    expectShape(where, 'features', inputs.features, [p, null]);
    const d = (inputs.features.shape as number[])[1];
    expectShape(where, 'predictions', inputs.predictions, [p, c * 4]);
    expectShape(where, 'targets', inputs.targets, [p, 4]);
    if (inputs.targetWeights) expectShape(where, 'targetWeights', inputs.targetWeights, [p, 4]);
    expectShape(where, 'kernel', inputs.kernel, [d, c * 4]);
    if (!(inputs.avgFactor > 0))
      throw new RangeError(`${where}: inputs.avgFactor must be > 0, got ${inputs.avgFactor}`);

    this.#unpublish();
    const labels = inputs.labels.dataSync();
    const present = presentClasses(labels, c, `${where}: inputs`);
    const o = this.options;
    const spec = { kind: o.regressionLoss, beta: o.smoothL1Beta };

    const out = tf.tidy(() => {
      const predictions = inputs.predictions as tf.Tensor2D;
      if (p === 0) {
        // Zero, but still a function of the predictions so every gradient tape accepts it.
        const zero = zeroLossOf(predictions);
        const empty = tf.zeros([0, c]) as tf.Tensor2D;
        return { loss: zero, classWeights: empty, transferWeights: tf.clone(empty) };
      }
      const onehot = floatOneHot(inputs.labels, c);
      const x = detach(inputs.features as tf.Tensor2D);
      const targets = detach(inputs.targets as tf.Tensor2D);
      const weights = inputs.targetWeights ? detach(inputs.targetWeights) : undefined;
      const own = detach(ownClassBoxPredictions(predictions, onehot));
      const g = boxLossDerivative(
        own,
        targets,
        weights,
        1 / (inputs.avgFactor + o.avgFactorEps),
        spec,
      );
      const perRoi = perRoiBoxGradients(x, g);
      const step = fisherGuidedClassWeights(this.#bank, perRoi, present, onehot, o);
      const transferWeights = o.maskUnseenClasses
        ? (tf.mul(step.classWeights, tf.reshape(step.seen, [1, c])) as tf.Tensor2D)
        : step.classWeights;
      const perClass = boxLossPerClass(predictions, targets, weights, c, spec);
      const loss = tf.mul(tf.sum(tf.mul(transferWeights, perClass)), o.lossWeight) as tf.Scalar;
      return { loss, classWeights: step.classWeights, transferWeights };
    });

    this.#published = {
      iteration: ctx.iteration,
      numPositives: p,
      classWeights: tf.keep(out.classWeights),
      transferWeights:
        out.transferWeights === out.classWeights ? out.classWeights : tf.keep(out.transferWeights),
    };
    ctx.shared.set(o.shareKey, this.#published);
    if (p > 0)
      this.#diag.record(
        out.transferWeights.dataSync() as Float32Array,
        labels,
        inputs.roiInfo,
        ctx.iteration,
      );
    return { loss_bbox_trans: out.loss };
  }

  diagnostics(opts?: WriteDiagnosticsOptions): CratDiagnostics & Record<string, unknown> {
    return { ...this.#diag.summary(this.branch, this.options.mode, opts) };
  }

  /** The dense running transfer matrix, `[source * C + target]`. */
  transferMatrix(): Float64Array {
    return this.#diag.matrix;
  }

  /** Write `diagnostics(opts)` as JSON, atomically (temp file + rename). */
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
      type: CRAT_BOX_TYPE,
      format: STATE_FORMAT,
      mode: this.options.mode,
      numClasses: this.numClasses,
      bank: this.#bank,
      diagnostics: this.#diag,
    };
  }

  /** Free the Fisher tensor and the weights published for the mask branch. */
  dispose(): void {
    this.#unpublish();
    this.#bank.dispose();
  }

  #unpublish(): void {
    if (!this.#published) return;
    this.#published.classWeights.dispose();
    this.#published.transferWeights.dispose();
    this.#published = null;
  }
}
