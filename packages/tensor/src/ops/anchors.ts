// mmdetection's `AnchorGenerator`: base anchors per level and their grid over a feature map.

export interface AnchorGeneratorOptions {
  strides: number[];
  ratios: number[];
  scales: number[];
  /** per level; default = strides */
  baseSizes?: number[];
  /** anchor centre offset in units of the base size (mmdetection center_offset, default 0) */
  centerOffset?: number;
  /** Round the base anchors to integers, half to even (torchvision's `AnchorGenerator`); default false (mmdetection). */
  roundBaseAnchors?: boolean;
}

/** `Math.round` with ties to even, as `torch.round`. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * mmdetection's AnchorGenerator (scale_major): base anchors per level ordered ratio-major,
 * centred at centerOffset * baseSize; the anchor at feature cell (i, j) is the base anchor
 * shifted by (j*stride, i*stride). Corner boxes in image pixels.
 */
export class AnchorGenerator {
  readonly strides: number[];
  readonly ratios: number[];
  readonly scales: number[];
  readonly baseSizes: number[];
  readonly centerOffset: number;
  readonly roundBaseAnchors: boolean;
  readonly numBaseAnchors: number;
  /** per level: A*4 base anchors */
  readonly baseAnchors: Float64Array[];

  constructor(opts: AnchorGeneratorOptions) {
    this.strides = [...opts.strides];
    this.ratios = [...opts.ratios];
    this.scales = [...opts.scales];
    this.baseSizes = opts.baseSizes != null ? [...opts.baseSizes] : [...opts.strides];
    if (this.baseSizes.length !== this.strides.length) {
      throw new Error(
        `AnchorGenerator: ${this.baseSizes.length} baseSizes for ${this.strides.length} strides`,
      );
    }
    this.centerOffset = opts.centerOffset ?? 0;
    this.roundBaseAnchors = opts.roundBaseAnchors ?? false;
    this.numBaseAnchors = this.ratios.length * this.scales.length;
    this.baseAnchors = this.baseSizes.map((size) => this.levelBaseAnchors(size));
  }

  private levelBaseAnchors(size: number): Float64Array {
    const out = new Float64Array(this.numBaseAnchors * 4);
    const cx = this.centerOffset * size;
    const cy = this.centerOffset * size;
    let a = 0;
    for (const ratio of this.ratios) {
      const hRatio = Math.sqrt(ratio);
      const wRatio = 1 / hRatio;
      for (const scale of this.scales) {
        const w = size * wRatio * scale;
        const h = size * hRatio * scale;
        const box = [cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h];
        out.set(this.roundBaseAnchors ? box.map(roundHalfEven) : box, a * 4);
        a++;
      }
    }
    return out;
  }

  /**
   * Per level, [H*W*A*4] anchors ordered by row, column, then base anchor. `strides[level]`
   * (`[sy, sx]`) replaces the configured stride: torchvision shifts by `floor(image / feature)`.
   */
  gridAnchors(
    featureSizes: [number, number][],
    strides?: readonly (readonly [number, number])[],
  ): Float32Array[] {
    if (featureSizes.length !== this.strides.length) {
      throw new Error(
        `AnchorGenerator.gridAnchors: ${featureSizes.length} feature sizes for ${this.strides.length} levels`,
      );
    }
    return featureSizes.map(([h, w], level) => {
      const base = this.baseAnchors[level];
      const [strideY, strideX] = strides?.[level] ?? [this.strides[level], this.strides[level]];
      const a = this.numBaseAnchors;
      const out = new Float32Array(h * w * a * 4);
      let o = 0;
      for (let i = 0; i < h; i++) {
        const sy = i * strideY;
        for (let j = 0; j < w; j++) {
          const sx = j * strideX;
          for (let t = 0; t < a; t++) {
            out[o++] = base[t * 4] + sx;
            out[o++] = base[t * 4 + 1] + sy;
            out[o++] = base[t * 4 + 2] + sx;
            out[o++] = base[t * 4 + 3] + sy;
          }
        }
      }
      return out;
    });
  }
}
