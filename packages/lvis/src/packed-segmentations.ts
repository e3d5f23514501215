// Segmentations in flat typed arrays, which worker threads receive at the cost of a
// memory copy (or none, in shared memory) instead of a structured clone of nested arrays.
import type { Segmentation } from 'lvis-ts-types';

/**
 * Record i is, in this order of precedence: JSON text `json[jsonStart[i] .. jsonEnd[i]]`
 * when `jsonStart[i] >= 0`; a polygon list (polygons `polyFrom[i] .. polyTo[i]`, polygon
 * p being `coords[polyStart[p] .. polyStart[p + 1]]`) when `polyFrom[i] >= 0`; otherwise
 * absent.
 */
export interface PackedSegmentations {
  json: Uint8Array;
  jsonStart: Float64Array;
  jsonEnd: Float64Array;
  coords: Float64Array;
  polyStart: Float64Array;
  polyFrom: Int32Array;
  polyTo: Int32Array;
}

/** Segmentations that are all JSON text in `json` (a results file's bytes). */
export function packedJson(
  json: Uint8Array,
  start: Float64Array,
  end: Float64Array,
): PackedSegmentations {
  const n = start.length;
  return {
    json,
    jsonStart: start,
    jsonEnd: end,
    coords: new Float64Array(0),
    polyStart: Float64Array.of(0),
    polyFrom: new Int32Array(n).fill(-1),
    polyTo: new Int32Array(n).fill(-1),
  };
}

/** Pack segmentations given as objects: polygon lists as numbers, RLEs as JSON text. */
export function packSegmentations(
  segs: readonly (Segmentation | undefined)[],
): PackedSegmentations {
  const n = segs.length;
  let nCoords = 0;
  let nPolys = 0;
  const texts: (Buffer | undefined)[] = new Array(n);
  let jsonBytes = 0;
  for (let i = 0; i < n; i++) {
    const seg = segs[i];
    if (Array.isArray(seg)) {
      nPolys += seg.length;
      for (const p of seg) nCoords += p.length;
    } else if (seg !== undefined) {
      const t = Buffer.from(JSON.stringify(seg));
      texts[i] = t;
      jsonBytes += t.length;
    }
  }
  const out: PackedSegmentations = {
    json: new Uint8Array(jsonBytes),
    jsonStart: new Float64Array(n).fill(-1),
    jsonEnd: new Float64Array(n).fill(-1),
    coords: new Float64Array(nCoords),
    polyStart: new Float64Array(nPolys + 1),
    polyFrom: new Int32Array(n).fill(-1),
    polyTo: new Int32Array(n).fill(-1),
  };
  let c = 0;
  let q = 0;
  let at = 0;
  for (let i = 0; i < n; i++) {
    const seg = segs[i];
    const t = texts[i];
    if (t) {
      out.json.set(t, at);
      out.jsonStart[i] = at;
      at += t.length;
      out.jsonEnd[i] = at;
    } else if (Array.isArray(seg)) {
      out.polyFrom[i] = q;
      for (const p of seg) {
        for (let j = 0; j < p.length; j++) out.coords[c++] = p[j];
        out.polyStart[++q] = c;
      }
      out.polyTo[i] = q;
    }
  }
  return out;
}

/** Record i as the segmentation it was packed from (undefined when absent). */
export function unpackSegmentation(p: PackedSegmentations, i: number): Segmentation | undefined {
  const s = p.jsonStart[i];
  if (s >= 0) {
    const { json } = p;
    // Buffer reads shared memory (TextDecoder does not).
    const text = Buffer.from(json.buffer, json.byteOffset + s, p.jsonEnd[i] - s).toString('utf8');
    return JSON.parse(text) as Segmentation;
  }
  const from = p.polyFrom[i];
  if (from < 0) return undefined;
  const polys: number[][] = [];
  for (let q = from; q < p.polyTo[i]; q++) {
    polys.push(Array.from(p.coords.subarray(p.polyStart[q], p.polyStart[q + 1])));
  }
  return polys;
}
