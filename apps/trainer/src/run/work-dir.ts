// One run per work dir: a new run never appends to, or overwrites, the files of another
// unless told to (`--resume` continues it, `--overwrite` replaces it).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

/** What `crat train` writes into a work dir (`crat report` adds report.html). */
const RUN_ENTRIES = ['config.json', 'metrics.jsonl', 'last_checkpoint', 'checkpoints', 'eval'];
const RUN_FILE = /^(crat_transfer_\w+\.json|report\.html)$/;

export class WorkDirError extends Error {
  override name = 'WorkDirError';
}

/** The entries of `workDir` that an earlier run wrote. */
export function runEntries(workDir: string): string[] {
  if (!existsSync(workDir)) return [];
  return readdirSync(workDir)
    .filter((n) => RUN_ENTRIES.includes(n) || RUN_FILE.test(n))
    .sort();
}

/**
 * Check, at set-up, that a new run may use `workDir`: an error naming what is there when it
 * holds another run, unless the run resumes it or replaces it.
 */
export function checkWorkDirFree(workDir: string, mode: 'new' | 'resume' | 'overwrite'): void {
  if (mode !== 'new') return;
  const found = runEntries(workDir);
  if (found.length === 0) return;
  throw new WorkDirError(
    `work dir ${workDir} holds another run (${found.join(', ')}): pass --resume to continue it, --overwrite to replace it, or choose another --work-dir`,
  );
}

/** Remove an earlier run's files (only those a run writes) when the new run really starts. */
export async function clearRun(workDir: string): Promise<string[]> {
  const found = runEntries(workDir);
  for (const n of found) await rm(join(workDir, n), { recursive: true, force: true });
  return found;
}

/** The validated config recorded in `<workDir>/config.json`, if there is one. */
export function recordedConfig(workDir: string): Record<string, unknown> | null {
  const path = join(workDir, 'config.json');
  if (!existsSync(path)) return null;
  let rec: { config?: Record<string, unknown> };
  try {
    rec = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new WorkDirError(`${path}: ${(err as Error).message}`);
  }
  return rec.config ?? null;
}
