import { decodeRle, rleArea, segmentationToRle } from '@crat/mask';
import { describe, expect, it } from 'vitest';
import {
  buildClasses,
  keyholeRing,
  longTailCounts,
  lvisFrequency,
  lvisPolygonsArea,
  toLvisPolygons,
} from '../src/index.js';

/** Even-odd test of a pixel centre against one flat polygon (how a parity rasterizer fills). */
function insideEvenOdd(p: readonly number[], x: number, y: number): boolean {
  let inside = false;
  const n = p.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = p[2 * i];
    const yi = p[2 * i + 1];
    const xj = p[2 * j];
    const yj = p[2 * j + 1];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function circle(cx: number, cy: number, r: number, n: number, reverse = false): [number, number][] {
  const ring: [number, number][] = [];
  for (let k = 0; k < n; k++) {
    const a = (2 * Math.PI * k) / n;
    ring.push([cx + r * Math.cos(a), cy + r * Math.sin(a)]);
  }
  if (reverse) ring.reverse();
  return [...ring, ring[0]];
}

describe('polygon output', () => {
  it('a ring becomes one keyhole polygon whose hole stays empty under parity filling', () => {
    for (const reverse of [false, true]) {
      const polys = toLvisPolygons([[circle(50, 50, 30, 64), circle(47, 52, 14, 64, reverse)]]);
      expect(polys).toHaveLength(1);
      const p = polys[0];
      let filled = 0;
      for (let y = 0; y < 100; y++) {
        for (let x = 0; x < 100; x++) {
          const px = x + 0.5;
          const py = y + 0.5;
          const inOuter = Math.hypot(px - 50, py - 50) < 29;
          const inHole = Math.hypot(px - 47, py - 52) < 13;
          const clearlyOut = Math.hypot(px - 50, py - 50) > 31 || Math.hypot(px - 47, py - 52) < 13;
          const inside = insideEvenOdd(p, px, py);
          if (inOuter && !inHole && Math.hypot(px - 47, py - 52) > 15) expect(inside).toBe(true);
          if (clearlyOut) expect(inside).toBe(false);
          if (inside) filled++;
        }
      }
      // The polygon area (outer minus hole) matches the count of filled pixel centres.
      const area = lvisPolygonsArea(polys);
      expect(Math.abs(area - filled)).toBeLessThan(0.03 * area);
      const exact = Math.PI * (30 * 30 - 14 * 14);
      expect(Math.abs(area - exact) / exact).toBeLessThan(0.01);
    }
  });

  it('pycocotools-exact rasterization (frPyObjects + merge) keeps the keyhole ring open', () => {
    const polys = toLvisPolygons([[circle(40, 40, 30, 48), circle(44, 38, 12, 48)]]);
    const rle = segmentationToRle(polys, 80, 80);
    const bitmap = decodeRle(rle);
    for (let y = 0; y < 80; y++) {
      for (let x = 0; x < 80; x++) {
        const dHole = Math.hypot(x + 0.5 - 44, y + 0.5 - 38);
        const dOuter = Math.hypot(x + 0.5 - 40, y + 0.5 - 40);
        if (dHole < 11) expect(bitmap[y * 80 + x]).toBe(0);
        if (dOuter < 29 && dHole > 13) expect(bitmap[y * 80 + x]).toBe(1);
        if (dOuter > 31) expect(bitmap[y * 80 + x]).toBe(0);
      }
    }
    // The two-part alternative (outer and hole as separate polygons) would be filled in.
    const twoParts = segmentationToRle(
      [circle(40, 40, 30, 48).flat(), circle(44, 38, 12, 48).flat()],
      80,
      80,
    );
    expect(rleArea(twoParts)).toBeGreaterThan(rleArea(rle) + 300);
  });

  it('keyholeRing joins several holes, each by a slit there and back', () => {
    const square = (x: number, y: number, s: number): [number, number][] => [
      [x, y],
      [x + s, y],
      [x + s, y + s],
      [x, y + s],
    ];
    const ring = keyholeRing([square(0, 0, 40), square(5, 5, 5), square(25, 25, 10)]);
    expect(ring.length).toBe(4 + 2 * (4 + 1 + 1) - 2 + 2);
    const flat = ring.flat();
    expect(insideEvenOdd(flat, 7.5, 7.5)).toBe(false);
    expect(insideEvenOdd(flat, 30, 30)).toBe(false);
    expect(insideEvenOdd(flat, 20, 12)).toBe(true);
    expect(lvisPolygonsArea([flat])).toBeCloseTo(1600 - 25 - 100, 9);
  });
});

describe('class table and long tail', () => {
  it('every family has head, common and rare members (default 8 x 5)', () => {
    const classes = buildClasses(8, 5);
    expect(classes).toHaveLength(40);
    expect(new Set(classes.map((c) => c.name)).size).toBe(40);
    expect(new Set(classes.map((c) => c.rank))).toEqual(new Set([...Array(40).keys()]));
    const counts = longTailCounts(40, 600, 1);
    for (const family of new Set(classes.map((c) => c.family))) {
      const freq = new Set(
        classes.filter((c) => c.family === family).map((c) => lvisFrequency(counts[c.rank])),
      );
      expect(freq.has('f') || freq.has('c')).toBe(true);
      expect(freq.has('r')).toBe(true);
    }
  });

  it('counts fall from max to min and split into LVIS-like thirds', () => {
    const counts = longTailCounts(40, 600, 1);
    expect(counts[0]).toBe(600);
    expect(counts[39]).toBe(1);
    for (let r = 1; r < 40; r++) expect(counts[r]).toBeLessThanOrEqual(counts[r - 1]);
    const groups = { r: 0, c: 0, f: 0 };
    for (const n of counts) groups[lvisFrequency(n)]++;
    for (const g of Object.values(groups)) expect(g).toBeGreaterThanOrEqual(10);
  });

  it('uses the LVIS frequency boundaries', () => {
    expect([1, 10, 11, 100, 101].map(lvisFrequency)).toEqual(['r', 'r', 'c', 'c', 'f']);
  });
});
