import { createRandom } from '@crat/core';
import { decodeRle, decodeRleColumnMajor, polygonsToRle, rleToBbox } from '@crat/mask';
import { describe, expect, it } from 'vitest';
import { flipRowsInPlace, paintResizedMask, resizeNearest } from '../src/index.js';

describe('mask resize and flip', () => {
  it('resizeNearest follows OpenCV INTER_NEAREST: source = floor(dst * src / dst_size)', () => {
    const src = Uint8Array.from([1, 0, 0, 1, 1, 0]); // 3 wide, 2 high
    expect([...resizeNearest(src, 3, 2, 6, 4)]).toEqual([
      1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0,
    ]);
    expect([...resizeNearest(src, 3, 2, 2, 1)]).toEqual([1, 0]);
  });

  it('the one-pass box-limited path equals decode -> resize -> flip on random polygons', () => {
    const random = createRandom(7);
    for (let t = 0; t < 30; t++) {
      const sw = 20 + Math.floor(random() * 80);
      const sh = 20 + Math.floor(random() * 80);
      const poly: number[] = [];
      const cx = random() * sw;
      const cy = random() * sh;
      for (let v = 0; v < 7; v++) {
        const a = (2 * Math.PI * v) / 7;
        const r = 3 + random() * 30;
        poly.push(cx + r * Math.cos(a), cy + r * Math.sin(a));
      }
      const rle = polygonsToRle([poly], sh, sw);
      const dw = 5 + Math.floor(random() * 150);
      const dh = 5 + Math.floor(random() * 150);
      const stride = dw + 7;
      const flip = random() < 0.5;
      const expected = new Uint8Array(stride * dh);
      resizeNearest(decodeRle(rle), sw, sh, dw, dh, expected, stride);
      if (flip) flipRowsInPlace(expected, dw, dh, stride);
      const got = new Uint8Array(stride * dh);
      paintResizedMask(
        decodeRleColumnMajor(rle),
        sw,
        sh,
        rleToBbox(rle),
        dw,
        dh,
        flip,
        got,
        stride,
      );
      expect(got).toEqual(expected);
    }
  });
});
