// The RPN's anchors for one image size, per level and concatenated, and which of them lie
// inside an image's padded size.

import type { AnchorGenerator } from '@crat/tensor';

/** The anchors of one image size: per level, and concatenated over levels (row, column, anchor order). */
export interface AnchorSet {
  featureSizes: [number, number][];
  perLevel: Float32Array[];
  /** Index of each level's first anchor in the concatenation. */
  levelStart: number[];
  total: number;
}

export function buildAnchors(
  generator: AnchorGenerator,
  featureSizes: [number, number][],
  strides?: [number, number][],
): AnchorSet {
  const perLevel = generator.gridAnchors(featureSizes, strides);
  const levelStart: number[] = [];
  let total = 0;
  for (const a of perLevel) {
    levelStart.push(total);
    total += a.length / 4;
  }
  return { featureSizes, perLevel, levelStart, total };
}

/**
 * mmdetection `valid_flags`: anchors of feature positions inside this image's padded size
 * (`ceil(padShape / stride)` rows and columns) are valid; with `allowed_border = -1` they are
 * exactly the anchors that take part in the RPN loss.
 */
export function validAnchorFlags(
  set: AnchorSet,
  strides: number[],
  numAnchors: number,
  padShape: [number, number],
): Uint8Array {
  const flags = new Uint8Array(set.total);
  set.featureSizes.forEach(([fh, fw], l) => {
    const vh = Math.min(Math.ceil(padShape[0] / strides[l]), fh);
    const vw = Math.min(Math.ceil(padShape[1] / strides[l]), fw);
    const start = set.levelStart[l];
    for (let y = 0; y < vh; y++) {
      for (let x = 0; x < vw; x++) {
        flags.fill(1, start + (y * fw + x) * numAnchors, start + (y * fw + x + 1) * numAnchors);
      }
    }
  });
  return flags;
}
