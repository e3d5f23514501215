// The experiments table: pure aggregation and Markdown formatting of finished runs, kept apart
// from the training so it can be tested with made-up results.

import { formatDifference, pairedDifference } from './paired-stats.js';

export type ExperimentMetric = 'AP' | 'AP75' | 'APr' | 'APc' | 'APf';
/** The metrics the tables show per row. */
export const EXPERIMENT_METRICS: readonly ExperimentMetric[] = ['AP', 'APr', 'APc', 'APf'];
/** The metrics every run records (AP75 too: localisation is what CRAT's box transfer acts on). */
export const RECORDED_METRICS: readonly ExperimentMetric[] = ['AP', 'AP75', 'APr', 'APc', 'APf'];

/** A run's metrics; AP75 is absent from runs recorded before it was (a resumed table). */
export type RunMetrics = Record<Exclude<ExperimentMetric, 'AP75'>, number> & { AP75?: number };

/** One finished training run: which experiment, which seed, its val metrics and wall time. */
export interface ExperimentRun {
  /** Row name, e.g. `eqlv2 + CRAT (exact)`. */
  name: string;
  seed: number;
  bbox: RunMetrics;
  segm: RunMetrics;
  seconds: number;
}

export interface MeanSpread {
  mean: number;
  /** Sample standard deviation over seeds; null with a single seed. */
  spread: number | null;
}

export interface ExperimentRow {
  name: string;
  seeds: number;
  bbox: Record<ExperimentMetric, MeanSpread | null>;
  segm: Record<ExperimentMetric, MeanSpread | null>;
  /** Mean wall time of one run, seconds. */
  seconds: number;
}

/** Mean and sample standard deviation; LVIS's -1 ("no such class") values are left out. */
export function meanSpread(values: readonly number[]): MeanSpread | null {
  const v = values.filter((x) => x >= 0 && Number.isFinite(x));
  if (v.length === 0) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  if (v.length === 1) return { mean, spread: null };
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1);
  return { mean, spread: Math.sqrt(variance) };
}

/** Group runs by name (first-seen order) and aggregate every metric over the seeds. */
export function aggregateRuns(runs: readonly ExperimentRun[]): ExperimentRow[] {
  const groups = new Map<string, ExperimentRun[]>();
  for (const r of runs) {
    const g = groups.get(r.name);
    if (g) g.push(r);
    else groups.set(r.name, [r]);
  }
  return [...groups].map(([name, g]) => {
    const agg = (type: 'bbox' | 'segm') =>
      Object.fromEntries(
        EXPERIMENT_METRICS.map((m) => [m, meanSpread(g.map((r) => r[type][m] ?? -1))]),
      ) as Record<ExperimentMetric, MeanSpread | null>;
    return {
      name,
      seeds: new Set(g.map((r) => r.seed)).size,
      bbox: agg('bbox'),
      segm: agg('segm'),
      seconds: g.reduce((a, r) => a + r.seconds, 0) / g.length,
    };
  });
}

/** AP as a percentage with one decimal, `± spread` when there are several seeds. */
export function formatCell(v: MeanSpread | null): string {
  if (!v) return 'n/a';
  const mean = (100 * v.mean).toFixed(1);
  return v.spread === null ? mean : `${mean} ± ${(100 * v.spread).toFixed(1)}`;
}

export function formatRunTime(seconds: number): string {
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** A Markdown table's header and rule: the first `textColumns` left-aligned, the rest right. */
export function markdownTableHead(head: readonly string[], textColumns: number): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_h, i) => (i < textColumns ? '---' : '---:')).join(' | ')} |`,
  ];
}

/** The Markdown table: one row per experiment, bbox then segm AP/APr/APc/APf, then time. */
export function formatExperimentsTable(rows: readonly ExperimentRow[]): string {
  const head = [
    'method',
    'seeds',
    ...EXPERIMENT_METRICS.map((m) => `box ${m}`),
    ...EXPERIMENT_METRICS.map((m) => `mask ${m}`),
    'time/run',
  ];
  const lines = markdownTableHead(head, 2);
  for (const r of rows) {
    const cells = [
      r.name,
      String(r.seeds),
      ...EXPERIMENT_METRICS.map((m) => formatCell(r.bbox[m])),
      ...EXPERIMENT_METRICS.map((m) => formatCell(r.segm[m])),
      formatRunTime(r.seconds),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The differences the CRAT table reports: box AP, mask AP, box APr, mask APr, box AP75. */
const CRAT_DIFFERENCES: readonly {
  label: string;
  type: 'bbox' | 'segm';
  metric: ExperimentMetric;
}[] = [
  { label: 'Δ box AP', type: 'bbox', metric: 'AP' },
  { label: 'Δ mask AP', type: 'segm', metric: 'AP' },
  { label: 'Δ box APr', type: 'bbox', metric: 'APr' },
  { label: 'Δ mask APr', type: 'segm', metric: 'APr' },
  { label: 'Δ box AP75', type: 'bbox', metric: 'AP75' },
];

/** A row compared with another seed by seed: `row` minus `base`. */
export interface RowPair {
  base: string;
  row: string;
}

/** Every `X + CRAT` row whose row `X` ran too, in first-seen order. */
export function cratPairsByName(runs: readonly ExperimentRun[]): RowPair[] {
  const names = [...new Set(runs.map((r) => r.name))];
  return names
    .filter((n) => n.endsWith(' + CRAT') && names.includes(n.slice(0, -' + CRAT'.length)))
    .map((n) => ({ base: n.slice(0, -' + CRAT'.length), row: n }));
}

/** One row's value of a metric per seed (runs recorded without the metric left out). */
export function seedValues(
  runs: readonly ExperimentRun[],
  name: string,
  type: 'bbox' | 'segm',
  metric: ExperimentMetric,
): Map<number, number> {
  return new Map(
    runs
      .filter((r) => r.name === name && r[type][metric] !== undefined)
      .map((r) => [r.seed, r[type][metric] as number] as const),
  );
}

/**
 * For every pair whose two rows ran (default: each `X + CRAT` with its `X`): the per-seed
 * paired differences (row minus base) and their 95 % Student-t intervals, in AP points; `*`
 * marks an interval that excludes zero. Empty when no such pair ran.
 */
export function formatCratDifferences(
  runs: readonly ExperimentRun[],
  pairs: readonly RowPair[] = cratPairsByName(runs),
): string {
  const names = new Set(runs.map((r) => r.name));
  const present = pairs.filter((p) => names.has(p.base) && names.has(p.row));
  if (present.length === 0) return '';
  const bySeed = (name: string, type: 'bbox' | 'segm', metric: ExperimentMetric) =>
    seedValues(runs, name, type, metric);
  const head = ['pair', 'seeds', ...CRAT_DIFFERENCES.map((c) => c.label)];
  const lines = markdownTableHead(head, 2);
  for (const { base, row } of present) {
    const diffs = CRAT_DIFFERENCES.map((c) =>
      pairedDifference(bySeed(base, c.type, c.metric), bySeed(row, c.type, c.metric)),
    );
    const seeds = Math.max(0, ...diffs.map((d) => d?.n ?? 0));
    lines.push(
      `| ${[`${row} vs ${base}`, String(seeds), ...diffs.map(formatDifference)].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}
