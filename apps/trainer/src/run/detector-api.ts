// What the trainer needs from a detector, and the registration of the one it builds. The
// trainer composes against this interface, so the loop, data, evaluation and report wiring
// can be tested with a small stand-in model; `@crat/detector`'s Mask R-CNN plugs in through
// `registerDetectorBackend` (detector-adapter.ts).

import type { LossTerms, PluginState, TaskTransfer } from '@crat/core';
import type { Detections, DetectorBatch, DetectorInputs, TrainContext } from '@crat/detector';
import type * as tf from '@tensorflow/tfjs-core';
import type { LVISResult } from 'lvis-ts-types';
import type { CratConfig } from '../config/schema.js';

export type { Detections, DetectorBatch, DetectorImageMeta, DetectorInputs } from '@crat/detector';

export interface DetectorParam {
  /** State-dict name (mmdetection's), what `trainable` globs match. */
  name: string;
  variable: tf.Variable;
  trainable: boolean;
  /** What it is, for per-kind weight decay (`optimizer.paramwise`); a weight when absent. */
  role?: 'weight' | 'bias' | 'norm';
}

export interface DetectorModel {
  readonly params: { all(): DetectorParam[] };
  readonly transfers: readonly Pick<TaskTransfer, 'branch' | 'diagnostics'>[];
  /**
   * Every loss term of a training batch (inside an asynchronous gradient scope, since the
   * forward awaits tensor reads; the caller owns them).
   */
  loss(batch: DetectorBatch, ctx: TrainContext): Promise<{ terms: LossTerms }>;
  predict(inputs: DetectorInputs, opts?: { withMasks?: boolean }): Promise<Detections[]>;
  /** Sampler RNG and plug-in state (checkpointed beside the weights). */
  getState(): PluginState | Promise<PluginState>;
  setState(state: PluginState): void;
  dispose(): void;
}

/** How the trainer builds, saves and loads a detector, and turns its output into LVIS results. */
export interface DetectorBackend<M extends DetectorModel = DetectorModel> {
  /** Weights file name inside a checkpoint (`model.safetensors`). */
  readonly weightsFileName: string;
  create(cfg: CratConfig, classInstanceCounts?: number[]): M;
  saveWeights(model: M, path: string): Promise<void>;
  loadWeights(model: M, path: string): Promise<void>;
  toLvisResults(dets: Detections, categoryIds: ArrayLike<number>): LVISResult[];
}

let registered: DetectorBackend | null = null;

/** Make a detector available to `crat train` / `crat test`. */
export function registerDetectorBackend<M extends DetectorModel>(
  backend: DetectorBackend<M>,
): void {
  registered = backend;
}

export function detectorBackend(): DetectorBackend {
  if (!registered) {
    throw new Error(
      'no detector is registered: import the @crat/detector adapter (src/run/detector-adapter.ts) before training',
    );
  }
  return registered;
}
