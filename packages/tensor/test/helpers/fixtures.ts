import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The fixture folder: CRAT_FIXTURES_DIR when set, else ../shared/fixtures beside the repo. */
export function fixturesDir(): string {
  return process.env.CRAT_FIXTURES_DIR ?? resolve(here, '../../../../../shared/fixtures');
}

export function loadOpsFixture<T>(name: string): T {
  const path = join(fixturesDir(), 'ops', `${name}.json`);
  if (!existsSync(path)) throw new Error(`fixture ${path} not found (set CRAT_FIXTURES_DIR?)`);
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

type Nested = number | Nested[];

/** Flatten a nested array, row-major. */
export function flat(a: Nested): number[] {
  const out: number[] = [];
  const walk = (v: Nested) => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else out.push(v);
  };
  walk(a);
  return out;
}

/** NCHW (or [K, C, PH, PW]) nested array -> NHWC Float32Array and its NHWC shape. */
export function nchwToNhwc(a: Nested): {
  data: Float32Array;
  shape: [number, number, number, number];
} {
  const n0 = a as number[][][][];
  const [n, c, h, w] = [n0.length, n0[0].length, n0[0][0].length, n0[0][0][0].length];
  const data = new Float32Array(n * h * w * c);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) data[((i * h + y) * w + x) * c + ch] = n0[i][ch][y][x];
  return { data, shape: [n, h, w, c] };
}

/** One case of `ops/roi_align.json` (NCHW, as torchvision wrote it). */
export interface RoiAlignCase {
  aligned: boolean;
  sampling_ratio: number;
  spatial_scale: number;
  output_size: [number, number];
  boxes_key: string;
  upstream_grad_key: string;
  output: number[][][][];
  grad_input: number[][][][];
}
export type RoiAlignFixture = { input: number[][][][]; cases: RoiAlignCase[] } & Record<
  string,
  unknown
>;
