import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LVISDataset, LVISEvalReport } from 'lvis-ts-types';

const here = dirname(fileURLToPath(import.meta.url));

/** `CRAT_FIXTURES_DIR` when set, else the repository's shared fixtures. */
export const FIXTURES_DIR =
  process.env.CRAT_FIXTURES_DIR ?? resolve(here, '../../../../shared/fixtures');
export const LVIS_DIR = join(FIXTURES_DIR, 'lvis');
export const GT_PATH = join(LVIS_DIR, 'lvis_val_100.json');

export function fixturePath(name: string): string {
  const path = join(LVIS_DIR, name);
  if (!existsSync(path)) throw new Error(`fixture not found: ${path}`);
  return path;
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export type Expected = Record<'bbox' | 'segm', LVISEvalReport>;

/** The result/expected pairs present in the fixture folder (results_X.json + expected_X.json). */
export function fixtureCases(): string[] {
  const names: string[] = [];
  for (const x of 'abcdefghijklmnopqrstuvwxyz') {
    if (
      existsSync(join(LVIS_DIR, `results_${x}.json`)) &&
      existsSync(join(LVIS_DIR, `expected_${x}.json`))
    ) {
      names.push(x);
    }
  }
  return names;
}

export function loadGtObject(): LVISDataset {
  return readJson<LVISDataset>(GT_PATH);
}
