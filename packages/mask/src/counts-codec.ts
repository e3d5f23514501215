// pycocotools' compressed `counts` string: each run (from the fourth on, minus the run two
// before it) as a signed number in 5-bit groups, least significant first, 0x20 meaning "more
// follow" and the last group's 0x10 the sign, each group written as the character `48 + value`.

/** Encode run lengths as pycocotools' compressed counts string. */
export function compressCounts(counts: Uint32Array | readonly number[]): string {
  const out: number[] = [];
  for (let i = 0; i < counts.length; i++) {
    // Arithmetic instead of 32-bit bit operations: deltas can exceed the int32 range.
    let x = counts[i] - (i > 2 ? counts[i - 2] : 0);
    let more = true;
    while (more) {
      let c = ((x % 32) + 32) % 32;
      x = Math.floor(x / 32);
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out.push(c + 48);
    }
  }
  // Chunked to stay below the argument-count limit of String.fromCharCode.
  let s = '';
  for (let i = 0; i < out.length; i += 8192) {
    s += String.fromCharCode.apply(null, out.slice(i, i + 8192));
  }
  return s;
}

/** Decode pycocotools' compressed counts string into run lengths. */
export function decompressCounts(s: string): Uint32Array {
  const counts = new Uint32Array(s.length);
  let m = 0;
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let scale = 1;
    let more = true;
    while (more) {
      if (p >= s.length) {
        throw new Error(`RLE counts string ends inside a value at character ${p}`);
      }
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) {
        throw new Error(
          `RLE counts string has an invalid character '${s[p]}' at position ${p} (allowed: '0'..'o')`,
        );
      }
      x += (c & 0x1f) * scale;
      scale *= 32;
      more = (c & 0x20) !== 0;
      p++;
      if (!more && c & 0x10) x -= scale;
    }
    if (m > 2) x += counts[m - 2];
    counts[m++] = x;
  }
  return counts.slice(0, m);
}
