// A work dir's `metrics.jsonl`: a line per training step and per evaluation, appended whole,
// truncated on resume, read back skipping a torn last line.

import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '@crat/core';

/** One line of `metrics.jsonl`. Training lines have `mode: 'train'`, evaluations `mode: 'val'`. */
export interface MetricsRecord {
  mode: 'train' | 'val';
  /** Optimizer steps done when the record was written (1-based for training lines). */
  iter: number;
  epoch: number;
  [field: string]: unknown;
}

/**
 * The JSON-lines metrics log of a work dir: one line per training step (loss terms, lr,
 * gradient norm, timing) and one per evaluation. Lines are appended whole, so a crash
 * leaves at most a last line without its newline, which readers skip.
 */
export class MetricsLog {
  constructor(readonly path: string) {}

  append(record: MetricsRecord): void {
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }

  /**
   * Drop every record past step `iter` (those of an interrupted run after its last
   * checkpoint), so a resumed run's log reads as if it had never stopped.
   */
  async truncateAfter(iter: number): Promise<void> {
    if (!existsSync(this.path)) return;
    const kept = readMetrics(this.path).filter((r) => r.iter <= iter);
    await writeFileAtomic(this.path, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }
}

/** Parse a metrics log; a torn last line is skipped, any other bad line is an error naming it. */
export function readMetrics(path: string): MetricsRecord[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: MetricsRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const r = JSON.parse(line) as MetricsRecord;
      if ((r.mode !== 'train' && r.mode !== 'val') || typeof r.iter !== 'number') {
        throw new Error("expected an object with mode 'train' | 'val' and a numeric iter");
      }
      out.push(r);
    } catch (err) {
      if (i === lines.length - 1) return; // torn final line of a killed run
      throw new Error(`${path}:${i + 1}: ${(err as Error).message}`);
    }
  });
  return out;
}
