import { describe, expect, it } from 'vitest';
import {
  bboxToRle,
  compressCounts,
  decodeRle,
  decodeRleColumnMajor,
  decompressCounts,
  encodeColumnMajorMask,
  encodeMask,
  mergeRles,
  polygonToRle,
  rleArea,
  rleFromJson,
  rleIouPair,
  rleToBbox,
  rleToJson,
  segmentationToRle,
} from '../src/index.js';

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random mask with blobs or noise, sometimes empty or full. */
function randomMask(rand: () => number, h: number, w: number): Uint8Array {
  const m = new Uint8Array(h * w);
  const kind = rand();
  if (kind < 0.1) return m;
  if (kind < 0.2) return m.fill(1);
  if (kind < 0.5) {
    const p = rand();
    for (let i = 0; i < m.length; i++) m[i] = rand() < p ? 1 : 0;
    return m;
  }
  const blobs = 1 + Math.floor(rand() * 4);
  for (let b = 0; b < blobs; b++) {
    const cx = rand() * w;
    const cy = rand() * h;
    const r = 1 + rand() * Math.max(h, w) * 0.4;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) m[y * w + x] = 1;
  }
  return m;
}

function bruteBbox(m: Uint8Array, h: number, w: number): number[] {
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if (m[y * w + x]) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
  return x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}

const CASES = 300;

describe('round trips and invariants on random masks', () => {
  it('encode → compress → decompress → decode is the identity', () => {
    const rand = prng(1);
    for (let n = 0; n < CASES; n++) {
      const h = 1 + Math.floor(rand() * 40);
      const w = 1 + Math.floor(rand() * 40);
      const m = randomMask(rand, h, w);
      const rle = encodeMask(m, h, w);
      const json = rleToJson(rle);
      expect(Array.from(decompressCounts(json.counts))).toEqual(Array.from(rle.counts));
      const back = rleFromJson(json);
      expect(decodeRle(back)).toEqual(m);
      expect(rle.counts.reduce((a, b) => a + b, 0)).toBe(h * w);
      expect(rleArea(rle)).toBe(m.reduce((a, b) => a + b, 0));
      // pycocotools widens a box to full height when a run crosses a column; that only
      // happens for masks whose runs wrap, so compare against brute force on the columns.
      const box = rleToBbox(rle);
      const brute = bruteBbox(m, h, w);
      expect(box[0]).toBe(brute[0]);
      expect(box[2]).toBe(brute[2]);
      expect(box[1]).toBeLessThanOrEqual(brute[1]);
      expect(box[1] + box[3]).toBeGreaterThanOrEqual(brute[1] + brute[3]);
    }
  });

  it('column-major encode/decode agree with row-major on the transposed layout', () => {
    const rand = prng(2);
    for (let n = 0; n < CASES; n++) {
      const h = 1 + Math.floor(rand() * 30);
      const w = 1 + Math.floor(rand() * 30);
      const m = randomMask(rand, h, w);
      const cm = new Uint8Array(h * w);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) cm[x * h + y] = m[y * w + x];
      const a = encodeMask(m, h, w);
      expect(encodeColumnMajorMask(cm, h, w).counts).toEqual(a.counts);
      expect(decodeRleColumnMajor(a)).toEqual(cm);
    }
  });

  it('compressCounts round-trips large and tiny runs (multi-character negative deltas)', () => {
    const rand = prng(3);
    for (let n = 0; n < CASES; n++) {
      const len = Math.floor(rand() * 12);
      const counts = Array.from({ length: len }, () =>
        rand() < 0.2 ? 0 : Math.floor(rand() ** 4 * 5_000_000),
      );
      expect(Array.from(decompressCounts(compressCounts(counts)))).toEqual(counts);
    }
  });

  it('merge and IoU equal pixel-wise union, intersection and their ratio', () => {
    const rand = prng(4);
    for (let n = 0; n < CASES; n++) {
      const h = 1 + Math.floor(rand() * 32);
      const w = 1 + Math.floor(rand() * 32);
      const a = randomMask(rand, h, w);
      const b = randomMask(rand, h, w);
      let inter = 0;
      let union = 0;
      let areaA = 0;
      const or = new Uint8Array(h * w);
      const and = new Uint8Array(h * w);
      for (let i = 0; i < h * w; i++) {
        or[i] = a[i] | b[i];
        and[i] = a[i] & b[i];
        inter += and[i];
        union += or[i];
        areaA += a[i];
      }
      const ra = encodeMask(a, h, w);
      const rb = encodeMask(b, h, w);
      expect(decodeRle(mergeRles([ra, rb]))).toEqual(or);
      expect(decodeRle(mergeRles([ra, rb], true))).toEqual(and);
      expect(rleIouPair(ra, rb)).toBe(inter === 0 ? 0 : inter / union);
      expect(rleIouPair(ra, rb, true)).toBe(inter === 0 ? 0 : inter / areaA);
    }
  });

  it('polygon rasterization sets pixels whose centres are well inside and none far outside', () => {
    const rand = prng(5);
    for (let n = 0; n < 100; n++) {
      const h = 10 + Math.floor(rand() * 30);
      const w = 10 + Math.floor(rand() * 30);
      const x = rand() * w * 0.6;
      const y = rand() * h * 0.6;
      const bw = 1 + rand() * (w - x - 1);
      const bh = 1 + rand() * (h - y - 1);
      const mask = decodeRle(bboxToRle([x, y, bw, bh], h, w));
      const poly = polygonToRle([x, y, x, y + bh, x + bw, y + bh, x + bw, y], h, w);
      expect(decodeRle(poly)).toEqual(mask);
      for (let py = 0; py < h; py++)
        for (let px = 0; px < w; px++) {
          const cx = px + 0.5;
          const cy = py + 0.5;
          const margin = 0.3;
          const inside =
            cx > x + margin && cx < x + bw - margin && cy > y + margin && cy < y + bh - margin;
          const outside =
            cx < x - margin || cx > x + bw + margin || cy < y - margin || cy > y + bh + margin;
          if (inside) expect(mask[py * w + px]).toBe(1);
          if (outside) expect(mask[py * w + px]).toBe(0);
        }
    }
  });

  it('segmentationToRle reads compressed and uncompressed RLE and rejects bad counts', () => {
    const m = new Uint8Array([0, 1, 1, 0, 1, 0]);
    const rle = encodeMask(m, 2, 3);
    const json = rleToJson(rle);
    expect(decodeRle(segmentationToRle(json, 2, 3))).toEqual(m);
    expect(
      decodeRle(segmentationToRle({ size: [2, 3], counts: Array.from(rle.counts) }, 2, 3)),
    ).toEqual(m);
    expect(() => decodeRle(rleFromJson({ size: [2, 3], counts: [1, 2] }))).toThrow(/sum to 3/);
    expect(() => decompressCounts('1~')).toThrow(/invalid character/);
  });
});
