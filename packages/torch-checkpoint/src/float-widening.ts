// Widen any checkpoint tensor to float32 (exactly for float16 and bfloat16), and round float32 to float16 bits.

import type { TorchTensor } from './dtypes.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 value of IEEE half-precision bits `h` (exact: every half is a float32). */
export function float16BitsToFloat32(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) {
    // Zero or subnormal: mant · 2^-24, exact in float32.
    const v = mant * 2 ** -24;
    return sign ? -v : v;
  }
  if (exp === 0x1f) {
    u32[0] = sign | 0x7f800000 | (mant << 13);
    return f32[0];
  }
  u32[0] = sign | ((exp + 112) << 23) | (mant << 13);
  return f32[0];
}

/** The float32 value of bfloat16 bits `b` (the upper half of a float32). */
export function bfloat16BitsToFloat32(b: number): number {
  u32[0] = b << 16;
  return f32[0];
}

/** IEEE half-precision bits of `x` rounded to nearest, ties to even (as `torch.Tensor.half()`). */
export function float32ToFloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // Subnormal half: shift the mantissa (with its implicit 1) into place, rounding to even.
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let m = mant >>> shift;
    if (rest > half || (rest === half && m & 1)) m++;
    return sign | m;
  }
  let out = sign | (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and overflows to infinity).
  if (rest > 0x1000 || (rest === 0x1000 && out & 1)) out++;
  return out;
}

/**
 * The tensor's values as a new float32 array: float16 / bfloat16 / integers up to 2^24 / bool
 * exactly, float64 and larger integers rounded to the nearest float32.
 */
export function toFloat32(t: TorchTensor): Float32Array {
  const n = t.data.length;
  const out = new Float32Array(n);
  switch (t.dtype) {
    case 'float16':
      for (let i = 0; i < n; i++) out[i] = float16BitsToFloat32(t.data[i]);
      break;
    case 'bfloat16':
      for (let i = 0; i < n; i++) out[i] = bfloat16BitsToFloat32(t.data[i]);
      break;
    case 'int64':
      for (let i = 0; i < n; i++) out[i] = Number(t.data[i]);
      break;
    default:
      out.set(t.data);
  }
  return out;
}
