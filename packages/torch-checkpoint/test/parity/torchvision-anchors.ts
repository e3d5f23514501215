// Test-only reference for the detector parity check: torchvision 0.14's AnchorGenerator, float32 step for step.

const f = Math.fround;

/** torch.round: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Cell anchors of one level, centred at 0 and rounded to integers (what torchvision's
 * `generate_anchors` does, in float32): ratio-major, `[x1, y1, x2, y2]` each.
 */
export function torchvisionCellAnchors(
  sizes: readonly number[],
  ratios: readonly number[],
): number[][] {
  const out: number[][] = [];
  for (const ratio of ratios) {
    const h = f(Math.sqrt(f(ratio)));
    const w = f(1 / h);
    for (const size of sizes) {
      const ws = f(w * size);
      const hs = f(h * size);
      out.push([-ws, -hs, ws, hs].map((v) => roundHalfEven(f(v / 2))));
    }
  }
  return out;
}

/**
 * All anchors of an image in torchvision's order (level, then row, column, cell anchor), as a
 * flat `[A * 4]` array. Each level's stride is `floor(image / feature)` per axis, as in
 * `AnchorGenerator.forward`; `imageHW` is the padded batch size.
 */
export function torchvisionAnchors(
  imageHW: readonly [number, number],
  featureHW: readonly (readonly [number, number])[],
  sizesPerLevel: readonly (readonly number[])[],
  ratios: readonly number[],
): Float32Array {
  const out: number[] = [];
  featureHW.forEach(([fh, fw], level) => {
    const strideY = Math.floor(imageHW[0] / fh);
    const strideX = Math.floor(imageHW[1] / fw);
    const cell = torchvisionCellAnchors(sizesPerLevel[level], ratios);
    for (let y = 0; y < fh; y++) {
      for (let x = 0; x < fw; x++) {
        for (const [x1, y1, x2, y2] of cell) {
          out.push(x * strideX + x1, y * strideY + y1, x * strideX + x2, y * strideY + y2);
        }
      }
    }
  });
  return Float32Array.from(out);
}
