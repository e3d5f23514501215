// float16 / bfloat16 widening and float32 → float16 rounding, over every half-precision bit pattern.

import { describe, expect, it } from 'vitest';
import {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToFloat16Bits,
  toFloat32,
} from '../src/index.js';

describe('float16', () => {
  it('widens the landmark values exactly', () => {
    expect(float16BitsToFloat32(0x3c00)).toBe(1);
    expect(float16BitsToFloat32(0xc000)).toBe(-2);
    expect(float16BitsToFloat32(0x7bff)).toBe(65504);
    expect(float16BitsToFloat32(0x0001)).toBe(2 ** -24);
    expect(float16BitsToFloat32(0x0400)).toBe(2 ** -14);
    expect(Object.is(float16BitsToFloat32(0x8000), -0)).toBe(true);
    expect(float16BitsToFloat32(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(float16BitsToFloat32(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(float16BitsToFloat32(0x7e00)).toBeNaN();
  });

  it('every non-NaN half survives widening and rounding back', () => {
    for (let h = 0; h < 0x10000; h++) {
      const isNaNBits = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (isNaNBits) continue;
      if (float32ToFloat16Bits(float16BitsToFloat32(h)) !== h) {
        expect.fail(
          `0x${h.toString(16)} → ${float16BitsToFloat32(h)} → 0x${float32ToFloat16Bits(float16BitsToFloat32(h)).toString(16)}`,
        );
      }
    }
  });

  it('rounds to nearest, ties to even, overflowing to infinity and underflowing to zero', () => {
    // 1 + 2^-11 is halfway between 1 and the next half (1 + 2^-10): ties go to the even 1.
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00);
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(float32ToFloat16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00);
    expect(float32ToFloat16Bits(65519)).toBe(0x7bff);
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0); // halfway to the smallest subnormal: even is 0
    expect(float32ToFloat16Bits(2 ** -25 * 1.5)).toBe(1);
    expect(float32ToFloat16Bits(-(2 ** -26))).toBe(0x8000);
    expect(float32ToFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
  });
});

it('bfloat16 is the upper half of a float32', () => {
  expect(bfloat16BitsToFloat32(0x3f80)).toBe(1);
  expect(bfloat16BitsToFloat32(0xc0e0)).toBe(-7);
  expect(bfloat16BitsToFloat32(0x7f80)).toBe(Number.POSITIVE_INFINITY);
});

it('toFloat32 widens every dtype', () => {
  expect(
    Array.from(
      toFloat32({
        kind: 'tensor',
        dtype: 'float16',
        shape: [2],
        data: Uint16Array.from([0x3c00, 0xc000]),
      }),
    ),
  ).toEqual([1, -2]);
  expect(
    Array.from(
      toFloat32({
        kind: 'tensor',
        dtype: 'int64',
        shape: [2],
        data: BigInt64Array.from([-3n, 5n]),
      }),
    ),
  ).toEqual([-3, 5]);
  expect(
    Array.from(
      toFloat32({ kind: 'tensor', dtype: 'bool', shape: [2], data: Uint8Array.from([1, 0]) }),
    ),
  ).toEqual([1, 0]);
  expect(
    Array.from(
      toFloat32({ kind: 'tensor', dtype: 'float64', shape: [1], data: Float64Array.from([1 / 3]) }),
    ),
  ).toEqual([Math.fround(1 / 3)]);
});
