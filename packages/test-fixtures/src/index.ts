// The tests' access to the shared fixtures: where they are (`CRAT_FIXTURES_DIR` or the sibling
// `shared/fixtures`), reading one, and comparing against it at the README's tolerances.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** Fixture root: `CRAT_FIXTURES_DIR`, else the repository's sibling `shared/fixtures`. */
export function fixturesDir(): string {
  return (
    process.env.CRAT_FIXTURES_DIR ??
    resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../shared/fixtures')
  );
}

/** Parse a fixture file, e.g. `readFixture('losses', 'seesaw.json')`. */
export function readFixture<T>(...path: string[]): T {
  return JSON.parse(readFileSync(join(fixturesDir(), ...path), 'utf8')) as T;
}

export type Nested = number | Nested[];

function flatten(x: Nested | ArrayLike<number>): number[] {
  if (typeof x === 'number') return [x];
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) out.push(...flatten((x as ArrayLike<Nested>)[i]));
  return out;
}

/**
 * The fixture README's float32 tolerance: |got - expected| <= 1e-5·|expected| + 1e-5·max|expected|
 * over the array; shapes must match element for element.
 */
export function expectClose(
  got: Nested | ArrayLike<number>,
  expected: Nested | ArrayLike<number>,
  what: string,
): void {
  const g = flatten(got);
  const e = flatten(expected);
  expect(g.length, `${what}: length`).toBe(e.length);
  const scale = e.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  for (let i = 0; i < e.length; i++) {
    const tol = 1e-5 * Math.abs(e[i]) + 1e-5 * scale;
    if (!(Math.abs(g[i] - e[i]) <= tol)) {
      expect.fail(`${what}[${i}]: got ${g[i]}, expected ${e[i]} (tolerance ${tol})`);
    }
  }
}

/** Scalars (losses): 1e-5 relative, as the README says they pass. */
export function expectScalarClose(got: number, expected: number, what: string): void {
  const tol = 1e-5 * Math.abs(expected);
  if (!(Math.abs(got - expected) <= tol)) {
    expect.fail(`${what}: got ${got}, expected ${expected} (tolerance ${tol})`);
  }
}
export * from './parity-rules.js';
export * from './webgpu-gate.js';
