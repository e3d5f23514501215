// Polygon geometry between polygon-clipping's regions and LVIS polygons: areas, hole-keeping
// keyhole rings, 2-decimal LVIS polygons and their boxes.

import type { Polygon as LvisPolygon, XYWHBox } from 'lvis-ts-types';
import type { MultiPolygon, Pair, Ring } from 'polygon-clipping';

/** Signed shoelace area of a ring (closed or open). */
export function ringArea(ring: readonly Pair[]): number {
  let s = 0;
  for (let i = 0, n = ring.length; i < n; i++) {
    const [x1, y1] = ring[i];
    const [x2, y2] = ring[(i + 1) % n];
    s += x1 * y2 - x2 * y1;
  }
  return s / 2;
}

/** Area of a multipolygon of [outer, ...holes] polygons. */
export function multiPolygonArea(mp: MultiPolygon): number {
  let a = 0;
  for (const poly of mp) {
    a += Math.abs(ringArea(poly[0]));
    for (let h = 1; h < poly.length; h++) a -= Math.abs(ringArea(poly[h]));
  }
  return a;
}

function open(ring: Ring): Ring {
  const n = ring.length;
  if (n > 1 && ring[0][0] === ring[n - 1][0] && ring[0][1] === ring[n - 1][1]) {
    return ring.slice(0, -1);
  }
  return ring;
}

/**
 * One ring from an outer boundary and its holes, each hole joined to the boundary by a
 * zero-width slit (there and back along the same segment).
 *
 * Why: COCO polygons have no holes, and pycocotools' `frPyObjects` unions the parts of a
 * multi-part polygon, so a hole given as a separate part would be filled in. A polygon is
 * rasterized by crossing parity, where the slit's two coincident edges cancel and the hole
 * stays empty.
 */
export function keyholeRing(polygon: Ring[]): Ring {
  let ring = open(polygon[0]);
  for (let h = 1; h < polygon.length; h++) {
    let hole = open(polygon[h]);
    // Opposite orientation, so the ring's signed area is outer minus hole.
    if (Math.sign(ringArea(hole)) === Math.sign(ringArea(ring))) hole = [...hole].reverse();
    let best = Number.POSITIVE_INFINITY;
    let bi = 0;
    let bj = 0;
    for (let i = 0; i < ring.length; i++) {
      for (let j = 0; j < hole.length; j++) {
        const d = (ring[i][0] - hole[j][0]) ** 2 + (ring[i][1] - hole[j][1]) ** 2;
        if (d < best) {
          best = d;
          bi = i;
          bj = j;
        }
      }
    }
    const holeFromJ = [...hole.slice(bj), ...hole.slice(0, bj), hole[bj]];
    ring = [...ring.slice(0, bi + 1), ...holeFromJ, ...ring.slice(bi)];
  }
  return ring;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/**
 * LVIS polygons (2-decimal coordinates, as LVIS files have) for a visible region; parts
 * smaller than `minPartArea` (clipping slivers) are left out.
 */
export function toLvisPolygons(mp: MultiPolygon, minPartArea = 1): LvisPolygon[] {
  const out: LvisPolygon[] = [];
  for (const poly of mp) {
    const partArea = multiPolygonArea([poly]);
    if (partArea < minPartArea) continue;
    const ring = keyholeRing(poly);
    if (ring.length < 3) continue;
    out.push(ring.flatMap(([x, y]) => [round2(x), round2(y)]));
  }
  return out;
}

/** Area enclosed by LVIS polygons whose parts do not overlap (slits add nothing). */
export function lvisPolygonsArea(polygons: readonly LvisPolygon[]): number {
  let a = 0;
  for (const p of polygons) {
    let s = 0;
    const n = p.length / 2;
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % n;
      s += p[2 * i] * p[2 * j + 1] - p[2 * j] * p[2 * i + 1];
    }
    a += Math.abs(s / 2);
  }
  return a;
}

/** Tight `[x, y, w, h]` box around LVIS polygons. */
export function lvisPolygonsBox(polygons: readonly LvisPolygon[]): XYWHBox {
  let x1 = Number.POSITIVE_INFINITY;
  let y1 = Number.POSITIVE_INFINITY;
  let x2 = Number.NEGATIVE_INFINITY;
  let y2 = Number.NEGATIVE_INFINITY;
  for (const p of polygons) {
    for (let i = 0; i < p.length; i += 2) {
      x1 = Math.min(x1, p[i]);
      x2 = Math.max(x2, p[i]);
      y1 = Math.min(y1, p[i + 1]);
      y2 = Math.max(y2, p[i + 1]);
    }
  }
  return [round2(x1), round2(y1), round2(x2 - x1), round2(y2 - y1)];
}
