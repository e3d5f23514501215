// The report's CRAT transfer files: their format, their validation, and their conversion from
// CRAT's diagnostics summary.

import type { CratDiagnostics, TargetClassDiagnostics, TransfusedRoi } from '@crat/crat-transfuse';

/** One transfused RoI shown in the report: the box a source-class RoI trained a target class on. */
export interface TransferSample {
  imageId: number;
  /** `[x1, y1, x2, y2]` in the original image's pixels. */
  box: [number, number, number, number];
  /** Contiguous class index (0..C-1) of the RoI's own class. */
  sourceClass: number;
  weight: number;
}

/**
 * What the trainer writes for the report as `crat_transfer[_<branch>].json`, from CRAT's
 * diagnostics: `matrix[source][target]` is the summed transfer weight, class indices are
 * the model's contiguous labels (categories sorted by id), `topSamples` is keyed by the
 * target class index.
 */
export interface TransferReport {
  branch?: string;
  matrix: number[][];
  classNames: string[];
  topSamples: { [targetClass: string]: TransferSample[] };
}

export class TransferReportError extends Error {
  override name = 'TransferReportError';
}

/** Check a parsed transfer report, naming the file and the field on bad input. */
export function validateTransferReport(v: unknown, file: string): TransferReport {
  const fail = (field: string, msg: string): never => {
    throw new TransferReportError(`${file}: ${field}: ${msg}`);
  };
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail('(root)', 'expected an object');
  const r = v as Record<string, unknown>;
  if (!Array.isArray(r.classNames) || r.classNames.some((n) => typeof n !== 'string')) {
    fail('classNames', 'expected an array of strings');
  }
  const names = r.classNames as string[];
  const c = names.length;
  if (!Array.isArray(r.matrix) || r.matrix.length !== c)
    fail('matrix', `expected ${c} rows (one per class)`);
  (r.matrix as unknown[]).forEach((row, i) => {
    if (
      !Array.isArray(row) ||
      row.length !== c ||
      row.some((x) => typeof x !== 'number' || !Number.isFinite(x))
    ) {
      fail(`matrix[${i}]`, `expected ${c} finite numbers`);
    }
  });
  const top = r.topSamples ?? {};
  if (typeof top !== 'object' || Array.isArray(top))
    fail('topSamples', 'expected an object keyed by class index');
  for (const [k, list] of Object.entries(top as Record<string, unknown>)) {
    const cls = Number(k);
    if (!Number.isInteger(cls) || cls < 0 || cls >= c)
      fail(`topSamples['${k}']`, `not a class index in 0..${c - 1}`);
    if (!Array.isArray(list)) fail(`topSamples['${k}']`, 'expected a list');
    (list as unknown[]).forEach((s, i) => {
      const at = `topSamples['${k}'][${i}]`;
      const o = s as Record<string, unknown>;
      if (!o || typeof o !== 'object') fail(at, 'expected an object');
      if (typeof o.imageId !== 'number') fail(`${at}.imageId`, 'expected a number');
      if (!Array.isArray(o.box) || o.box.length !== 4 || o.box.some((x) => typeof x !== 'number')) {
        fail(`${at}.box`, 'expected [x1, y1, x2, y2]');
      }
      if (typeof o.sourceClass !== 'number' || o.sourceClass < 0 || o.sourceClass >= c) {
        fail(`${at}.sourceClass`, `expected a class index in 0..${c - 1}`);
      }
      if (typeof o.weight !== 'number') fail(`${at}.weight`, 'expected a number');
    });
  }
  return {
    ...(typeof r.branch === 'string' ? { branch: r.branch } : {}),
    matrix: r.matrix as number[][],
    classNames: names,
    topSamples: top as TransferReport['topSamples'],
  };
}

/**
 * The summary `@crat/crat-transfuse` produces (`CratDiagnostics`), as far as the report needs
 * it: picked from its types, so a change there that the report depends on fails to compile here.
 */
export interface CratSummaryLike extends Pick<CratDiagnostics, 'numClasses'> {
  branch?: string;
  targets: (Pick<TargetClassDiagnostics, 'target' | 'topSources'> & {
    topRois: Pick<TransfusedRoi, 'imageId' | 'box' | 'sourceClass' | 'weight'>[];
  })[];
}

/**
 * Turn CRAT's per-target summary into the report format. The matrix holds the summary's
 * top sources per target (the strongest transfers; weaker ones the summary left out are 0).
 */
export function transferReportFromSummary(
  s: CratSummaryLike,
  classNames: string[],
): TransferReport {
  const c = s.numClasses;
  if (classNames.length !== c) {
    throw new TransferReportError(
      `CRAT summary has ${c} classes, ${classNames.length} class names given`,
    );
  }
  const matrix = Array.from({ length: c }, () => new Array<number>(c).fill(0));
  const topSamples: TransferReport['topSamples'] = {};
  for (const t of s.targets) {
    for (const src of t.topSources) matrix[src.source]![t.target] = src.weight;
    const samples = t.topRois
      .filter((r) => r.imageId !== null && r.box !== null)
      .map((r) => ({
        imageId: r.imageId!,
        box: r.box!,
        sourceClass: r.sourceClass,
        weight: r.weight,
      }));
    if (samples.length) topSamples[String(t.target)] = samples;
  }
  return { ...(s.branch ? { branch: s.branch } : {}), matrix, classNames, topSamples };
}
