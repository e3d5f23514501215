// What the two CRAT plug-ins share: options, Fisher bank, diagnostics, the checks every step's
// inputs get, and the checkpoint state; `crat-bbox` and `crat-mask` add their `losses`.

import type {
  LossTerms,
  PluginState,
  TaskBranch,
  TaskTransfer,
  TaskTransferInputs,
  TransferDiagnosticsOptions,
  TransferStepContext,
} from '@crat/core';
import { writeJsonAtomic } from '@crat/core';
import type * as tf from '@tensorflow/tfjs-core';
import { type CratDiagnostics, TransferDiagnostics } from './diagnostics.js';
import { FisherBank } from './fisher-bank.js';
import type { CratCommonOptions } from './options.js';
import { CratStateError } from './state-codec.js';

/** The registered type, the branch it attaches to, and the versioned tag of its state. */
export interface CratTransferKind {
  type: string;
  branch: TaskBranch;
  /** A checkpoint whose state has another format is refused. */
  stateFormat: string;
}

export abstract class CratTransferBase<O extends CratCommonOptions> implements TaskTransfer {
  readonly type: string;
  readonly branch: TaskBranch;
  readonly #stateFormat: string;
  protected readonly bank: FisherBank;
  protected readonly diag: TransferDiagnostics;

  constructor(
    kind: CratTransferKind,
    readonly numClasses: number,
    readonly options: O,
  ) {
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw new RangeError(
        `${kind.type}: numClasses must be a positive integer, got ${numClasses}`,
      );
    }
    this.type = kind.type;
    this.branch = kind.branch;
    this.#stateFormat = kind.stateFormat;
    this.bank = new FisherBank(numClasses, kind.type);
    this.diag = new TransferDiagnostics(
      numClasses,
      options.diagnosticsTopK,
      options.diagnosticsTopSources,
    );
  }

  abstract losses(inputs: TaskTransferInputs, ctx: TransferStepContext): Promise<LossTerms>;

  /** The Fisher statistics (`[C, K]`, null before the first step); owned by the plug-in, do not dispose. */
  get fisher(): tf.Tensor2D | null {
    return this.bank.fisher;
  }

  diagnostics(options?: TransferDiagnosticsOptions): CratDiagnostics & Record<string, unknown> {
    return { ...this.diag.summary(this.branch, this.options.mode, options) };
  }

  /** The dense running transfer matrix, `[source * C + target]`. */
  transferMatrix(): Float64Array {
    return this.diag.matrix;
  }

  /** Write `diagnostics(options)` as JSON, atomically (temporary file, fsync, rename). */
  async writeDiagnostics(path: string, options?: TransferDiagnosticsOptions): Promise<void> {
    await writeJsonAtomic(path, this.diagnostics(options), 1);
  }

  async getState(): Promise<PluginState> {
    const diagnostics = this.diag.toJSON();
    return {
      format: this.#stateFormat,
      mode: this.options.mode,
      numClasses: this.numClasses,
      fisher: await this.bank.toJSON(),
      diagnostics,
    };
  }

  /** Restore `getState()` output, refusing another format or class count. */
  setState(state: PluginState): void {
    if (state.format !== this.#stateFormat) {
      throw new CratStateError(
        `${this.type}: state.format is ${JSON.stringify(state.format)}, expected '${this.#stateFormat}'`,
      );
    }
    if (state.numClasses !== this.numClasses) {
      throw new CratStateError(
        `${this.type}: state.numClasses is ${state.numClasses}, the plug-in has ${this.numClasses}`,
      );
    }
    this.bank.fromJSON(state.fisher);
    this.diag.fromJSON(state.diagnostics, `${this.type}: state.diagnostics`);
  }

  /** Free the Fisher tensor (and whatever the plug-in keeps for the step). */
  dispose(): void {
    this.bank.dispose();
  }

  /** The checks both branches' inputs get before their shapes are checked. */
  protected checkBranchInputs(inputs: TaskTransferInputs): void {
    if (inputs.branch !== this.branch) {
      throw new TypeError(
        `${this.type}: attached to the '${inputs.branch}' branch, expected '${this.branch}'`,
      );
    }
    if (inputs.numClasses !== this.numClasses) {
      throw new RangeError(
        `${this.type}: inputs.numClasses = ${inputs.numClasses}, but the plug-in was built for ${this.numClasses}`,
      );
    }
    if (inputs.labelValues?.length !== inputs.labels.shape[0]) {
      throw new RangeError(
        `${this.type}: inputs.labelValues must hold the ${inputs.labels.shape[0]} labels of inputs.labels, got ${inputs.labelValues?.length ?? 'none'}`,
      );
    }
    if (!(inputs.avgFactor > 0)) {
      throw new RangeError(`${this.type}: inputs.avgFactor must be > 0, got ${inputs.avgFactor}`);
    }
  }
}
