import type { LossTerms, PluginState, TaskTransfer } from '@crat/core';
import type * as tf from '@tensorflow/tfjs-core';
import type { LVISResult } from 'lvis-ts-types';
import type { CratConfig } from '../config/schema.js';

// What the trainer needs from a detector, structurally (these match `@crat/detector`'s
// DetectorBatch / Detections / MaskRCNN). The trainer composes against this interface and
// the detector package plugs in through `registerDetectorBackend`, so the loop, data,
// evaluation and report wiring can be tested with a small stand-in model.

/** Per-image facts beside the pixels; shapes are `[height, width]`. */
export interface DetectorImageMeta {
  imageId: number;
  imageShape: [number, number];
  padShape?: [number, number];
  originalShape: [number, number];
  scaleFactor: [number, number];
  flipped?: boolean;
}

export interface DetectorInputs {
  images: tf.Tensor4D;
  metas: DetectorImageMeta[];
}

/** A training batch: per image, `4·G` box values (x1,y1,x2,y2 resized pixels), `G` labels, `G` bitmaps at `imageShape`. */
export interface DetectorBatch extends DetectorInputs {
  gtBoxes: Float32Array[];
  gtLabels: Int32Array[];
  gtMasks: Uint8Array[][];
}

/** Detections of one image in original pixels. */
export interface Detections {
  imageId: number;
  boxes: Float32Array;
  scores: Float32Array;
  labels: Int32Array;
  masks?: Uint8Array[];
  originalShape: [number, number];
}

export interface DetectorParam {
  /** State-dict name (mmdetection's), what `trainable` globs match. */
  name: string;
  variable: tf.Variable;
  trainable: boolean;
}

export interface DetectorModel {
  readonly params: { all(): DetectorParam[] };
  readonly transfers: readonly Pick<TaskTransfer, 'branch' | 'diagnostics'>[];
  computeLosses(batch: DetectorBatch, ctx: { iteration: number }): LossTerms;
  detect(inputs: DetectorInputs, opts?: { withMasks?: boolean }): Promise<Detections[]>;
  /** Sampler RNG and plug-in state (checkpointed beside the weights). */
  getState(): PluginState;
  setState(state: PluginState): void;
  dispose(): void;
}

/** How the trainer builds, saves and loads a detector, and turns its output into LVIS results. */
export interface DetectorBackend {
  /** Weights file name inside a checkpoint (`model.safetensors`). */
  readonly weightsFileName: string;
  create(cfg: CratConfig, classInstanceCounts?: number[]): DetectorModel;
  saveWeights(model: DetectorModel, path: string): Promise<void>;
  loadWeights(model: DetectorModel, path: string): Promise<void>;
  toLvisResults(dets: Detections, categoryIds: ArrayLike<number>): LVISResult[];
}

let registered: DetectorBackend | null = null;

/** Make a detector available to `crat train` / `crat test`. */
export function registerDetectorBackend(backend: DetectorBackend): void {
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
