import { createRandom } from '@crat/core';
import { describe, expect, it } from 'vitest';
import { chooseScale, keepRatioFactor, padTo, resizeGeometry } from '../src/index.js';

describe('mmdetection Resize geometry', () => {
  // Expected sizes worked out with mmcv's rescale_size: s = min(long/max(h,w), short/min(h,w)),
  // new = int(x * s + 0.5).
  it.each([
    [640, 480, [1333, 800], 1067, 800],
    [500, 375, [1333, 800], 1067, 800],
    [427, 640, [1333, 800], 800, 1199],
    [1000, 200, [1333, 800], 1333, 267],
    [128, 128, [1333, 800], 800, 800],
    [128, 128, [128, 128], 128, 128],
    [640, 480, [800, 1333], 1067, 800],
  ] as const)('keep ratio: %ix%i to %j gives %ix%i', (w, h, scale, ew, eh) => {
    const g = resizeGeometry(w, h, scale, true);
    expect([g.width, g.height]).toEqual([ew, eh]);
    expect(g.wScale).toBe(ew / w);
    expect(g.hScale).toBe(eh / h);
  });

  it('keeps the long side within the long edge and the short side within the short edge', () => {
    for (let w = 50; w < 2000; w += 97) {
      for (let h = 50; h < 2000; h += 89) {
        const s = keepRatioFactor(w, h, [1333, 800]);
        expect(Math.max(w, h) * s).toBeLessThanOrEqual(1333 + 1e-9);
        expect(Math.min(w, h) * s).toBeLessThanOrEqual(800 + 1e-9);
        expect(Math.max(w, h) * s > 1333 - 1e-6 || Math.min(w, h) * s > 800 - 1e-6).toBe(true);
      }
    }
  });

  it('a number scale is a plain factor; keepRatio false stretches to [w, h]', () => {
    expect(resizeGeometry(100, 50, 1.5, true)).toEqual({
      width: 150,
      height: 75,
      wScale: 1.5,
      hScale: 1.5,
    });
    expect(resizeGeometry(100, 50, [64, 64], false)).toEqual({
      width: 64,
      height: 64,
      wScale: 0.64,
      hScale: 1.28,
    });
  });

  it('pads to a multiple of the divisor', () => {
    expect([padTo(800, 32), padTo(1067, 32), padTo(1, 32), padTo(96, 32)]).toEqual([
      800, 1088, 32, 96,
    ]);
  });

  it('multi-scale: value picks one of the scales, range draws edges between them', () => {
    const scales = [
      [1333, 640],
      [1333, 800],
    ] as const;
    const random = createRandom(1);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(chooseScale(scales, 'value', random).join('x'));
    expect(seen).toEqual(new Set(['1333x640', '1333x800']));
    const shorts = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const [long, short] = chooseScale(scales, 'range', random);
      expect(long).toBe(1333);
      expect(short).toBeGreaterThanOrEqual(640);
      expect(short).toBeLessThanOrEqual(800);
      expect(Number.isInteger(short)).toBe(true);
      shorts.add(short);
    }
    expect(shorts.size).toBeGreaterThan(100);
  });
});
