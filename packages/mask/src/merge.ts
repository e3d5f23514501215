// Union or intersection of same-size RLEs, with pycocotools `merge`'s run structure.

import type { Rle } from './rle.js';

/**
 * Union (`intersect` false) or intersection (true) of masks of one size, with the same
 * run structure as pycocotools `merge` (one input is returned as it is).
 */
export function mergeRles(rles: readonly Rle[], intersect = false): Rle {
  if (rles.length === 0) return { h: 0, w: 0, counts: new Uint32Array(0) };
  const { h, w } = rles[0];
  if (rles.length === 1) return { h, w, counts: rles[0].counts.slice() };
  let acc = rles[0].counts;
  for (let r = 1; r < rles.length; r++) {
    const b = rles[r];
    if (b.h !== h || b.w !== w) {
      throw new Error(`mergeRles: mask ${r} has size [${b.h}, ${b.w}] but mask 0 has [${h}, ${w}]`);
    }
    acc = mergeTwo(acc, b.counts, intersect);
  }
  return { h, w, counts: acc };
}

function mergeTwo(A: Uint32Array, B: Uint32Array, intersect: boolean): Uint32Array {
  const out: number[] = [];
  let ca = A[0];
  let cb = B[0];
  let v: boolean = false;
  let va = false;
  let vb = false;
  let a = 1;
  let b = 1;
  let cc = 0;
  let ct = 1;
  while (ct > 0) {
    const c = Math.min(ca, cb);
    cc += c;
    ct = 0;
    ca -= c;
    if (!ca && a < A.length) {
      ca = A[a++];
      va = !va;
    }
    ct += ca;
    cb -= c;
    if (!cb && b < B.length) {
      cb = B[b++];
      vb = !vb;
    }
    ct += cb;
    const vp: boolean = v;
    v = intersect ? va && vb : va || vb;
    if (v !== vp || ct === 0) {
      out.push(cc);
      cc = 0;
    }
  }
  return Uint32Array.from(out);
}
