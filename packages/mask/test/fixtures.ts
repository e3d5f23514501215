import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The fixtures folder: `CRAT_FIXTURES_DIR` when set, else the repository's shared one. */
export const FIXTURES_DIR =
  process.env.CRAT_FIXTURES_DIR ?? resolve(here, '../../../../shared/fixtures');

export function readFixture<T>(relative: string): T {
  const path = join(FIXTURES_DIR, relative);
  if (!existsSync(path)) throw new Error(`fixture not found: ${path}`);
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Row-major nested `mask[y][x]` to a flat row-major `Uint8Array`. */
export function flattenMask(mask: number[][]): Uint8Array {
  const h = mask.length;
  const w = h ? mask[0].length : 0;
  const out = new Uint8Array(h * w);
  mask.forEach((row, y) => {
    row.forEach((v, x) => {
      out[y * w + x] = v;
    });
  });
  return out;
}
