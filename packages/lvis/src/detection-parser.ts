// Parses the bytes of a results file (a JSON array of detections) into typed columns,
// without making a JavaScript object per detection; segmentations are only located.
import { isSpace, JsonByteReader, keyBytes } from './json-bytes.js';

const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const QUOTE = 0x22;

const IMAGE_ID = keyBytes('image_id');
const CATEGORY_ID = keyBytes('category_id');
const SCORE = keyBytes('score');
const BBOX = keyBytes('bbox');
const SEGMENTATION = keyBytes('segmentation');
// Both are overwritten by LVISResults (ids 1..n, area from the box or mask).
const ID = keyBytes('id');
const AREA = keyBytes('area');
const SIZE = keyBytes('size');
const COUNTS = keyBytes('counts');

/**
 * Detections in file order, one entry per record. A record without `bbox` has NaN there
 * (JSON has no NaN); one without `segmentation` has -1 as its start.
 */
export interface DetectionChunk {
  count: number;
  imageId: Float64Array;
  categoryId: Float64Array;
  score: Float64Array;
  /** `[x, y, w, h]` per record. */
  bbox: Float64Array;
  /** Byte range of the record's `segmentation` value in the file. */
  segStart: Float64Array;
  segEnd: Float64Array;
}

/** Why the bytes were not parsed here; the caller then reads the file with JSON.parse. */
export interface NotParsed {
  reason: string;
  offset: number;
}

/**
 * The byte range of the top-level array's elements: after `[` and before the final `]`,
 * or undefined when the file is not an array (the caller's JSON.parse path reports it).
 */
export function arrayBody(bytes: Uint8Array): { from: number; to: number } | undefined {
  const r = new JsonByteReader(bytes);
  if (r.skipSpace() !== LBRACKET) return undefined;
  const from = r.pos + 1;
  let to = bytes.length - 1;
  while (to > from && isSpace(bytes[to])) to--;
  if (bytes[to] !== RBRACKET) return undefined;
  return { from, to };
}

/**
 * Offsets that cut the array body `[from, to)` into about `parts` pieces, each at a
 * record's opening brace (a `}` `,` `{` sequence outside any string). They are guesses:
 * {@link parseDetections} reports when a piece does not end exactly on the next cut.
 */
export function guessCuts(bytes: Uint8Array, from: number, to: number, parts: number): number[] {
  const cuts = [from];
  for (let k = 1; k < parts; k++) {
    let p = Math.max(cuts[cuts.length - 1] + 1, from + Math.floor(((to - from) * k) / parts));
    let found = -1;
    while (p < to && found < 0) {
      const brace = bytes.indexOf(LBRACE, p);
      if (brace < 0 || brace >= to) break;
      let q = brace - 1;
      while (q > from && isSpace(bytes[q])) q--;
      if (bytes[q] === COMMA) {
        q--;
        while (q > from && isSpace(bytes[q])) q--;
        if (bytes[q] === RBRACE) found = brace;
      }
      p = brace + 1;
    }
    if (found < 0) break;
    cuts.push(found);
  }
  cuts.push(to);
  return cuts;
}

/**
 * Parse the records of `[from, to)`: `from` is the first record (or whitespace before
 * it), `to` is either the next piece's first record or the end of the array body. Only
 * the fields LVISResults reads are accepted, each with the type the official API needs;
 * `endsArray` says that `to` is the array's closing bracket.
 * anything else (another field, a string id, a list of RLEs, malformed JSON) gives
 * {@link NotParsed}, as does a piece that does not end exactly at `to`.
 */
export function parseDetections(
  bytes: Uint8Array,
  from: number,
  to: number,
  endsArray: boolean,
): DetectionChunk | NotParsed {
  const r = new JsonByteReader(bytes, from);
  let cap = Math.max(16, Math.ceil((to - from) / 120));
  let imageId = new Float64Array(cap);
  let categoryId = new Float64Array(cap);
  let score = new Float64Array(cap);
  let bbox = new Float64Array(cap * 4);
  let segStart = new Float64Array(cap);
  let segEnd = new Float64Array(cap);
  const fail = (reason: string): NotParsed => ({ reason, offset: r.pos });
  let n = 0;
  if (r.skipSpace() === -1 || r.pos >= to) return chunk();
  for (;;) {
    if (n === cap) {
      cap *= 2;
      imageId = grow(imageId, cap);
      categoryId = grow(categoryId, cap);
      score = grow(score, cap);
      bbox = grow(bbox, cap * 4);
      segStart = grow(segStart, cap);
      segEnd = grow(segEnd, cap);
    }
    if (!r.expect(LBRACE)) return fail('expected a detection object');
    let seen = 0;
    bbox[4 * n] = Number.NaN;
    segStart[n] = -1;
    if (r.skipSpace() === RBRACE) return fail('empty detection object');
    for (;;) {
      if (r.skipSpace() !== QUOTE) return fail('expected a member name');
      if (r.matchKey(IMAGE_ID)) {
        if (!(r.expect(COLON) && readFinite(r))) return fail("'image_id' is not a number");
        imageId[n] = r.value;
        seen |= 1;
      } else if (r.matchKey(CATEGORY_ID)) {
        if (!(r.expect(COLON) && readFinite(r))) return fail("'category_id' is not a number");
        categoryId[n] = r.value;
        seen |= 2;
      } else if (r.matchKey(SCORE)) {
        if (!(r.expect(COLON) && readFinite(r))) return fail("'score' is not a number");
        score[n] = r.value;
        seen |= 4;
      } else if (r.matchKey(BBOX)) {
        if (!(r.expect(COLON) && readBox(r, bbox, 4 * n))) return fail("'bbox' is not 4 numbers");
      } else if (r.matchKey(SEGMENTATION)) {
        if (!r.expect(COLON)) return fail("expected ':'");
        r.skipSpace();
        const start = r.pos;
        if (!skipSegmentation(r)) return fail("'segmentation' is not polygons or one RLE");
        segStart[n] = start;
        segEnd[n] = r.pos;
      } else if (r.matchKey(ID) || r.matchKey(AREA)) {
        if (!(r.expect(COLON) && r.skipSpace() >= 0 && r.skipNumber())) {
          return fail("'id' or 'area' is not a number");
        }
      } else return fail('a member LVISResults does not read');
      const c = r.skipSpace();
      r.pos++;
      if (c === RBRACE) break;
      if (c !== COMMA) return fail("expected ',' or '}'");
    }
    if (seen !== 7) return fail("a detection lacks 'image_id', 'category_id' or 'score'");
    n++;
    const c = r.skipSpace();
    if (r.pos === to) return chunk();
    if (c !== COMMA || r.pos > to) return fail('records do not end where the next piece starts');
    r.pos++;
    r.skipSpace();
    if (r.pos > to) return fail('records do not end where the next piece starts');
    if (r.pos === to) return endsArray ? fail('a comma before the end of the array') : chunk();
  }

  function chunk(): DetectionChunk {
    return {
      count: n,
      imageId: imageId.slice(0, n),
      categoryId: categoryId.slice(0, n),
      score: score.slice(0, n),
      bbox: bbox.slice(0, 4 * n),
      segStart: segStart.slice(0, n),
      segEnd: segEnd.slice(0, n),
    };
  }
}

function readFinite(r: JsonByteReader): boolean {
  r.skipSpace();
  return r.readNumber() && Number.isFinite(r.value);
}

function readBox(r: JsonByteReader, out: Float64Array, at: number): boolean {
  if (!r.expect(LBRACKET)) return false;
  for (let k = 0; k < 4; k++) {
    if (k > 0 && !r.expect(COMMA)) return false;
    if (!readFinite(r)) return false;
    out[at + k] = r.value;
  }
  return r.expect(RBRACKET);
}

/** A list of number lists (polygons, or boxes), or one RLE `{size: [h, w], counts}`. */
function skipSegmentation(r: JsonByteReader): boolean {
  const c = r.skipSpace();
  if (c === LBRACKET) {
    r.pos++;
    if (r.skipSpace() === RBRACKET) {
      r.pos++;
      return true;
    }
    for (;;) {
      if (!r.skipNumberList()) return false;
      const d = r.skipSpace();
      r.pos++;
      if (d === RBRACKET) return true;
      if (d !== COMMA) return false;
    }
  }
  if (c !== LBRACE) return false;
  r.pos++;
  let seen = 0;
  for (;;) {
    if (r.skipSpace() !== QUOTE) return false;
    if (r.matchKey(SIZE)) {
      if (!(r.expect(COLON) && r.expect(LBRACKET))) return false;
      let k = 0;
      if (r.skipSpace() !== RBRACKET) {
        do {
          if (!(r.skipSpace() >= 0 && r.skipNumber())) return false;
          k++;
        } while (r.expect(COMMA));
      }
      if (!r.expect(RBRACKET) || k !== 2) return false;
      seen |= 1;
    } else if (r.matchKey(COUNTS)) {
      if (!r.expect(COLON)) return false;
      const v = r.skipSpace();
      if (v === QUOTE ? !r.skipString() : !r.skipNumberList()) return false;
      seen |= 2;
    } else return false;
    const d = r.skipSpace();
    r.pos++;
    if (d === RBRACE) return seen === 3;
    if (d !== COMMA) return false;
  }
}

function grow(a: Float64Array<ArrayBuffer>, cap: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}
