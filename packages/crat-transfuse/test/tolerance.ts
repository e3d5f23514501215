import { expect } from 'vitest';

const REL = 1e-5;

/** The fixture README's float32 rule: |got - exp| <= 1e-5 |exp| + 1e-5 max|exp| over the array. */
export function expectArrayClose(
  got: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
): void {
  expect(got.length, `${what}: length`).toBe(expected.length);
  let maxAbs = 0;
  for (let i = 0; i < expected.length; i++) maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
  const bad: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    const tol = REL * Math.abs(expected[i]) + REL * maxAbs;
    if (!(Math.abs(got[i] - expected[i]) <= tol)) {
      if (bad.length < 5)
        bad.push(`[${i}] got ${got[i]}, expected ${expected[i]} (tol ${tol.toExponential(2)})`);
      else break;
    }
  }
  expect(bad, `${what}: entries outside tolerance`).toEqual([]);
}

/** Scalars: 1e-5 relative. */
export function expectScalarClose(got: number, expected: number, what: string): void {
  expect(Math.abs(got - expected), `${what}: got ${got}, expected ${expected}`).toBeLessThanOrEqual(
    REL * Math.abs(expected),
  );
}

export const flat = (a: unknown): number[] =>
  (a as unknown[]).flat(Number.POSITIVE_INFINITY) as number[];
