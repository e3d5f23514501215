// The bench's finished runs on disk (one JSON file per run, written atomically) and the resume
// plan: which runs are reused, which are trained, and the refusal to mix code versions.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { writeJsonAtomic } from '@crat/core';
import { type CodeVersion, describeCodeVersion } from './code-version.js';
import type { ExperimentGroup } from './experiment-specs.js';
import type { ExperimentRun } from './experiments-table.js';

/** Summed CRAT transfer weight, `[source][target]` over the contiguous class labels. */
export type TransferMatrix = number[][];

/** Everything the tables need from one finished run, and what it was made from. */
export interface RunRecord extends ExperimentRun {
  format: 1;
  group: ExperimentGroup;
  /** The split it was evaluated on (`val` for the table, `minival` for selection). */
  split: 'val' | 'minival';
  /** Run folder, relative to the bench's work dir (its `config.json` is the resolved config). */
  folder: string;
  configFile: string;
  cfgOptions: string[];
  /** sha256 of the resolved config, keys sorted. */
  configHash: string;
  code: CodeVersion;
  machine: string;
  finishedAt: string;
  /** AP per category id (LVIS `per_category_ap`, area all; only defined categories). */
  perClassAp: { bbox: Record<string, number>; segm: Record<string, number> };
  /** Per transfer branch, the whole source→target weight matrix (absent without CRAT). */
  transfer: { bbox?: TransferMatrix; mask?: TransferMatrix };
}

/** One run the plan wants: a row, a seed and the config it would train. */
export interface WantedRun {
  name: string;
  seed: number;
  folder: string;
  configHash: string;
}

export class BenchResumeError extends Error {
  override name = 'BenchResumeError';
}

/** JSON with object keys sorted, so equal configs hash equally. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * The hash of a resolved config, with every absolute path inside `cwd` taken relative to it:
 * the loader makes the data paths absolute, and a table must stay the same table when its
 * checkout is cloned or moved (`/work/a/data/synth` and `/work/b/data/synth` are one data set).
 */
export function configHash(config: unknown, cwd?: string): string {
  return createHash('sha256')
    .update(canonicalJson(portablePaths(config, cwd)))
    .digest('hex');
}

function portablePaths(v: unknown, cwd: string | undefined): unknown {
  if (cwd === undefined) return v;
  if (typeof v === 'string') {
    if (!isAbsolute(v) || !(v === cwd || v.startsWith(cwd.endsWith(sep) ? cwd : cwd + sep)))
      return v;
    return relative(cwd, v) || '.';
  }
  if (Array.isArray(v)) return v.map((x) => portablePaths(x, cwd));
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, portablePaths(x, cwd)]),
    );
  return v;
}

/** The folder of run records under a bench work dir. */
export function recordsDir(root: string): string {
  return join(root, 'runs');
}

/** Write a finished run's record as `runs/<folder>.json`, atomically. */
export async function writeRunRecord(root: string, record: RunRecord): Promise<string> {
  const dir = recordsDir(root);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${record.folder}.json`);
  await writeJsonAtomic(path, record, 1);
  return path;
}

function checkRecord(v: unknown, file: string): RunRecord {
  const fail = (field: string, msg: string): never => {
    throw new BenchResumeError(`${file}: ${field}: ${msg}`);
  };
  if (!v || typeof v !== 'object' || Array.isArray(v)) return fail('(root)', 'expected an object');
  const r = v as Record<string, unknown>;
  if (r.format !== 1) fail('format', `expected 1, got ${JSON.stringify(r.format)}`);
  for (const k of ['name', 'folder', 'configHash', 'configFile', 'split'] as const) {
    if (typeof r[k] !== 'string') fail(k, 'expected a string');
  }
  if (!Number.isInteger(r.seed)) fail('seed', 'expected an integer');
  if (typeof r.seconds !== 'number') fail('seconds', 'expected a number');
  for (const k of ['bbox', 'segm'] as const) {
    const m = r[k] as Record<string, unknown> | undefined;
    if (!m || typeof m !== 'object' || typeof m.AP !== 'number')
      fail(`${k}.AP`, 'expected a number');
  }
  const code = r.code as Record<string, unknown> | undefined;
  if (!code || typeof code !== 'object' || !('commit' in code) || !('codeHash' in code)) {
    fail('code', 'expected { commit, dirty, codeHash }');
  }
  const pc = r.perClassAp as Record<string, unknown> | undefined;
  if (!pc || typeof pc.bbox !== 'object' || typeof pc.segm !== 'object') {
    fail('perClassAp', 'expected { bbox, segm } maps of category id to AP');
  }
  if (!r.transfer || typeof r.transfer !== 'object') fail('transfer', 'expected an object');
  return v as RunRecord;
}

/**
 * Every finished run under `root` (none when the folder is new). A record that does not parse
 * is an error naming the file: it was written atomically, so it was edited by hand.
 */
export function readRunRecords(root: string): RunRecord[] {
  const dir = recordsDir(root);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        throw new BenchResumeError(`${file}: not JSON (${(e as Error).message})`);
      }
      return checkRecord(parsed, file);
    });
}

/** The key runs are compared by: code hash when git knew it, else the commit. */
function versionKey(v: CodeVersion): string {
  return v.codeHash ?? v.commit ?? 'unknown';
}

export interface ResumePlan {
  /** Finished runs the plan wants, reused as they are. */
  reuse: RunRecord[];
  /** Runs still to train, in the plan's order. */
  todo: WantedRun[];
}

export interface ResumeOptions {
  resume: boolean;
  /** The code this process would train with. */
  code: CodeVersion;
  allowMixedCommits: boolean;
  /** For messages: the bench work dir. */
  root: string;
}

/**
 * Decide what to train. Without `resume`, a work dir that holds finished runs is refused (they
 * are never overwritten). With it, a finished run of the same row and seed is reused when its
 * resolved config hashes the same (else refused: the work dir was made with other settings),
 * and the others are trained. The runs that would end up in one table (every finished record,
 * plus this code's when something is left to train) must come from one code version, unless
 * `allowMixedCommits`.
 */
export function planResume(
  wanted: readonly WantedRun[],
  finished: readonly RunRecord[],
  o: ResumeOptions,
): ResumePlan {
  if (!o.resume && finished.length > 0) {
    throw new BenchResumeError(
      `${o.root} already holds ${finished.length} finished bench run(s) (${recordsDir(o.root)}): ` +
        'pass --resume to reuse them and train only the missing ones, or give another --work-dir',
    );
  }
  const byKey = new Map(finished.map((r) => [`${r.name}\u0000${r.seed}`, r]));
  const reuse: RunRecord[] = [];
  const todo: WantedRun[] = [];
  for (const w of wanted) {
    const r = byKey.get(`${w.name}\u0000${w.seed}`);
    if (!r) {
      todo.push(w);
      continue;
    }
    if (r.configHash !== w.configHash) {
      throw new BenchResumeError(
        `${join(recordsDir(o.root), `${r.folder}.json`)}: '${r.name}' seed ${r.seed} was run with another resolved config ` +
          `(configHash ${r.configHash.slice(0, 12)}, now ${w.configHash.slice(0, 12)}: another --budget, --val-images or preset?); ` +
          'use the settings it was made with, or another --work-dir',
      );
    }
    reuse.push(r);
  }
  const versions = new Map<string, { v: CodeVersion; runs: number }>();
  const count = (v: CodeVersion, n: number) => {
    const k = versionKey(v);
    const e = versions.get(k);
    if (e) e.runs += n;
    else versions.set(k, { v, runs: n });
  };
  for (const r of finished) count(r.code, 1);
  if (todo.length) count(o.code, 0);
  if (versions.size > 1 && !o.allowMixedCommits) {
    const list = [...versions.values()]
      .map(
        ({ v, runs }) =>
          `${describeCodeVersion(v)}: ${runs ? `${runs} finished run(s)` : 'this checkout'}`,
      )
      .join('; ');
    throw new BenchResumeError(
      `${o.root}: its runs would come from ${versions.size} code versions (${list}); ` +
        'a table mixes them only with --allow-mixed-commits (or give another --work-dir)',
    );
  }
  return { reuse, todo };
}
