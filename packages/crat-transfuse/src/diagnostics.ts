// What CRAT transfused, for reports: a running source→target weight matrix and each target
// class's top RoIs, summarised and carried through checkpoints.

import type { JsonValue, PositiveRoiInfo, TransferDiagnosticsOptions } from '@crat/core';
import { CratStateError } from './state-codec.js';

/** One positive RoI whose targets trained another class's outputs. */
export interface TransfusedRoi {
  iteration: number;
  /** Dataset image id, when the branch passed `roiInfo`. */
  imageId: number | null;
  /** `[x1, y1, x2, y2]` in the original image, when the branch passed `roiInfo`. */
  box: [number, number, number, number] | null;
  /** The RoI's own (ground-truth) class: the class whose signal was transfused. */
  sourceClass: number;
  /** The transfer weight it got for the target class. */
  weight: number;
}

/** Per target class: total weight received, strongest sources and top transfused RoIs. */
export interface TargetClassDiagnostics {
  target: number;
  /** `'r' | 'c' | 'f'` when frequencies were given to `writeDiagnostics`. */
  frequency?: string;
  totalWeight: number;
  topSources: { source: number; weight: number }[];
  topRois: TransfusedRoi[];
}

export interface CratDiagnostics {
  branch: string;
  mode: string;
  numClasses: number;
  /** Training steps seen, and positive RoIs seen over them. */
  steps: number;
  positives: number;
  /** Target classes that received any weight, strongest first. */
  targets: TargetClassDiagnostics[];
}

/**
 * A running source→target transfer matrix (sum over steps and RoIs of the transfer weight a
 * RoI of class `source` gave class `target`) and, per target class, the top-k RoIs by weight.
 */
export class TransferDiagnostics {
  readonly #matrix: Float64Array;
  #top: TransfusedRoi[][];
  #steps = 0;
  #positives = 0;

  constructor(
    readonly numClasses: number,
    readonly topK: number,
    readonly topSources: number,
  ) {
    this.#matrix = new Float64Array(numClasses * numClasses);
    this.#top = Array.from({ length: numClasses }, () => []);
  }

  /** The dense matrix, row = source class, column = target class. */
  get matrix(): Float64Array {
    return this.#matrix;
  }

  /** Add one step's weights (`weights`: `[P, C]` row-major, the values that scaled the transfer loss). */
  record(
    weights: Float32Array,
    labels: ArrayLike<number>,
    roiInfo: PositiveRoiInfo | undefined,
    iteration: number,
  ): void {
    const c = this.numClasses;
    const p = labels.length;
    if (roiInfo && (roiInfo.imageIds.length !== p || roiInfo.boxes.length !== p)) {
      throw new RangeError(
        `TaskTransferInputs.roiInfo: ${roiInfo.imageIds.length} imageIds and ${roiInfo.boxes.length} boxes for ${p} positive RoIs`,
      );
    }
    this.#steps++;
    this.#positives += p;
    const k = this.topK;
    for (let n = 0; n < p; n++) {
      const source = labels[n];
      const row = source * c;
      for (let t = 0; t < c; t++) {
        const w = weights[n * c + t];
        if (!(w > 0)) continue;
        this.#matrix[row + t] += w;
        if (k === 0) continue;
        const list = this.#top[t];
        if (list.length === k && w <= list[k - 1].weight) continue;
        const entry: TransfusedRoi = {
          iteration,
          imageId: roiInfo ? roiInfo.imageIds[n] : null,
          box: roiInfo ? [...roiInfo.boxes[n]] : null,
          sourceClass: source,
          weight: w,
        };
        let at = list.length;
        while (at > 0 && list[at - 1].weight < w) at--;
        list.splice(at, 0, entry);
        if (list.length > k) list.pop();
      }
    }
  }

  /** Per-target summaries (targets that received weight), strongest first. */
  /** `opts.keep` defaults to rare and common, the classes CRAT is meant to help. */
  summary(branch: string, mode: string, opts: TransferDiagnosticsOptions = {}): CratDiagnostics {
    const c = this.numClasses;
    const freq = opts.classFrequencies;
    if (freq && freq.length !== c) {
      throw new RangeError(
        `writeDiagnostics: classFrequencies has ${freq.length} entries, expected ${c}`,
      );
    }
    const keep = new Set(opts.keep ?? ['r', 'c']);
    const targets: TargetClassDiagnostics[] = [];
    for (let t = 0; t < c; t++) {
      if (freq && !keep.has(freq[t])) continue;
      let total = 0;
      const sources: { source: number; weight: number }[] = [];
      for (let s = 0; s < c; s++) {
        const w = this.#matrix[s * c + t];
        if (w > 0) {
          total += w;
          sources.push({ source: s, weight: w });
        }
      }
      if (total === 0) continue;
      sources.sort((a, b) => b.weight - a.weight);
      targets.push({
        target: t,
        ...(freq ? { frequency: freq[t] } : {}),
        totalWeight: total,
        topSources: sources.slice(0, this.topSources),
        topRois: this.#top[t].map((r) => ({ ...r })),
      });
    }
    targets.sort((a, b) => b.totalWeight - a.totalWeight);
    return { branch, mode, numClasses: c, steps: this.#steps, positives: this.#positives, targets };
  }

  toJSON(): JsonValue {
    const bytes = Buffer.from(
      this.#matrix.buffer,
      this.#matrix.byteOffset,
      this.#matrix.byteLength,
    );
    const top: JsonValue = {};
    this.#top.forEach((list, t) => {
      if (list.length > 0)
        (top as Record<string, JsonValue>)[String(t)] = list as unknown as JsonValue;
    });
    return {
      steps: this.#steps,
      positives: this.#positives,
      matrix: {
        dtype: 'float64',
        shape: [this.numClasses, this.numClasses],
        base64: bytes.toString('base64'),
      },
      topRois: top,
    };
  }

  fromJSON(v: JsonValue | undefined, where: string): void {
    this.#matrix.fill(0);
    this.#top = Array.from({ length: this.numClasses }, () => []);
    this.#steps = 0;
    this.#positives = 0;
    if (v === undefined || v === null) return;
    if (typeof v !== 'object' || Array.isArray(v))
      throw new CratStateError(`${where}: expected an object`);
    const m = v.matrix as Record<string, JsonValue> | undefined;
    if (!m || typeof m.base64 !== 'string')
      throw new CratStateError(`${where}.matrix: expected { dtype: 'float64', shape, base64 }`);
    const bytes = Buffer.from(m.base64, 'base64');
    if (bytes.byteLength !== this.#matrix.byteLength) {
      throw new CratStateError(
        `${where}.matrix: ${bytes.byteLength} bytes, expected ${this.#matrix.byteLength} for ${this.numClasses} x ${this.numClasses}`,
      );
    }
    new Uint8Array(this.#matrix.buffer).set(bytes);
    this.#steps = Number(v.steps ?? 0);
    this.#positives = Number(v.positives ?? 0);
    const top = (v.topRois ?? {}) as Record<string, JsonValue>;
    for (const [t, list] of Object.entries(top)) {
      const cls = Number(t);
      if (!Number.isInteger(cls) || cls < 0 || cls >= this.numClasses || !Array.isArray(list)) {
        throw new CratStateError(
          `${where}.topRois['${t}']: not a class in 0..${this.numClasses - 1} with a list`,
        );
      }
      this.#top[cls] = (list as unknown as TransfusedRoi[]).map((r) => ({ ...r }));
    }
  }
}
