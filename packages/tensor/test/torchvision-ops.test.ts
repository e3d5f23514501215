// torchvision's variants of two host ops: integer base anchors and `paste_masks_in_image`.
import { describe, expect, it } from 'vitest';
import { AnchorGenerator } from '../src/ops/anchors.js';
import { pasteMasksTorchvision } from '../src/ops/masks.js';

describe('AnchorGenerator with roundBaseAnchors', () => {
  it('rounds the base anchors as torch.round (ties to even), grid shifts unchanged', () => {
    const opts = { strides: [4], ratios: [0.5, 1, 2], scales: [8] };
    const plain = new AnchorGenerator(opts);
    const rounded = new AnchorGenerator({ ...opts, roundBaseAnchors: true });
    // size 32, ratio 0.5: w = 32·√2 = 45.25, h = 22.63 → ±22.63 / ±11.31 → ±23 / ±11
    expect(Array.from(plain.baseAnchors[0]!.subarray(0, 4)).map((v) => +v.toFixed(2))).toEqual([
      -22.63, -11.31, 22.63, 11.31,
    ]);
    expect(Array.from(rounded.baseAnchors[0]!)).toEqual([
      -23, -11, 23, 11, -16, -16, 16, 16, -11, -23, 11, 23,
    ]);
    const half = new AnchorGenerator({
      strides: [1],
      ratios: [1],
      scales: [5],
      roundBaseAnchors: true,
    });
    // ±2.5 → ±2 (ties to even)
    expect(Array.from(half.baseAnchors[0]!)).toEqual([-2, -2, 2, 2]);
    const [grid] = rounded.gridAnchors([[1, 2]]);
    expect(Array.from(grid!.subarray(12, 16))).toEqual([-19, -11, 27, 11]);
  });
});

describe('pasteMasksTorchvision', () => {
  it('pastes into the box expanded by one mask cell per side, truncated to pixels', () => {
    // 2x2 mask of ones in box [2, 2, 5, 5]: padded to 4x4, scale 2 → box [0.5, 0.5, 6.5, 6.5]
    // truncated to [0, 0, 6, 6], a 7x7 paste whose border fades to the zero padding
    const [soft] = pasteMasksTorchvision(
      new Float32Array([1, 1, 1, 1]),
      2,
      new Float32Array([2, 2, 5, 5]),
      9,
      9,
      -1,
    );
    const at = (y: number, x: number) => soft![y * 9 + x]!;
    for (let i = 0; i < 9; i++) {
      expect(at(7, i)).toBe(0);
      expect(at(i, 8)).toBe(0);
    }
    expect(at(3, 3)).toBe(1);
    // symmetric about the box centre (3, 3)
    for (let y = 0; y < 7; y++)
      for (let x = 0; x < 7; x++) expect(at(y, x)).toBeCloseTo(at(6 - y, 6 - x), 6);
    // output pixel 0 samples source (0 + 0.5) * 4/7 - 0.5 < 0 → clamped to 0: the zero padding
    expect(at(0, 3)).toBe(0);
    const [bin] = pasteMasksTorchvision(
      new Float32Array([1, 1, 1, 1]),
      2,
      new Float32Array([2, 2, 5, 5]),
      9,
      9,
      0.5,
    );
    expect(bin!.reduce((a, v) => a + v, 0)).toBeGreaterThan(4);
    expect(() => pasteMasksTorchvision(new Float32Array(3), 2, new Float32Array(4), 9, 9)).toThrow(
      /3 mask values for 1 boxes/,
    );
  });
});
