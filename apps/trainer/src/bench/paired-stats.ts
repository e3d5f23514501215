// Paired comparison of two experiment rows over the seeds they share: the per-seed
// differences, their mean and a Student-t 95 % confidence interval.

/** Two-sided 97.5 % quantiles of Student's t for 1..30 degrees of freedom (standard tables). */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145,
  2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048,
  2.045, 2.042,
];

/** t_{0.975, df}; past 30 degrees of freedom the normal 1.96 (within 4 % of the t value at 31). */
export function studentT975(df: number): number {
  if (!(Number.isInteger(df) && df >= 1))
    throw new RangeError(`studentT975: df must be an integer ≥ 1, got ${df}`);
  return df <= T_975.length ? T_975[df - 1]! : 1.96;
}

export interface PairedDifference {
  /** Seeds both rows have a value for. */
  n: number;
  /** Mean of `with - without` over those seeds. */
  mean: number;
  /** 95 % interval of the mean difference (Student t, n - 1 degrees of freedom); null with one seed. */
  low: number | null;
  high: number | null;
}

/**
 * `with[seed] - without[seed]` over the seeds both have (LVIS's -1 "no such class" values left
 * out), their mean and 95 % t interval. The pairing removes the seed-to-seed spread both rows
 * share (same data order and initialisation), which is what makes a small effect visible.
 */
export function pairedDifference(
  without: ReadonlyMap<number, number>,
  withIt: ReadonlyMap<number, number>,
): PairedDifference | null {
  const d: number[] = [];
  for (const [seed, b] of without) {
    const a = withIt.get(seed);
    if (a === undefined || a < 0 || b < 0 || !Number.isFinite(a) || !Number.isFinite(b)) continue;
    d.push(a - b);
  }
  const n = d.length;
  if (n === 0) return null;
  const mean = d.reduce((s, x) => s + x, 0) / n;
  if (n === 1) return { n, mean, low: null, high: null };
  const sd = Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const half = (studentT975(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, low: mean - half, high: mean + half };
}

/** `+1.2 [-0.3, 2.7]` in AP points; `*` marks an interval that excludes zero. */
export function formatDifference(d: PairedDifference | null): string {
  if (!d) return 'n/a';
  const f = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;
  if (d.low === null || d.high === null) return `${f(d.mean)} (1 seed)`;
  const sure = d.low > 0 || d.high < 0 ? ' *' : '';
  return `${f(d.mean)} [${f(d.low)}, ${f(d.high)}]${sure}`;
}
