// The sentences under the experiments document's loss table: for each loss, whether CRAT's
// effect on box and mask APr is distinguishable from zero, and what the published "+3.0 tail AP
// on LVIS" would look like against this table's own baseline and interval widths.

import { type ExperimentRun, meanSpread, type RowPair, seedValues } from './experiments-table.js';
import { type PairedDifference, pairedDifference } from './paired-stats.js';

/** The published average gain of CRAT on LVIS tail (rare) AP, in AP points. */
export const PUBLISHED_TAIL_GAIN = 3.0;

const pts = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)}`;

function interval(d: PairedDifference): string {
  return d.low === null || d.high === null
    ? pts(d.mean)
    : `${pts(d.mean)} [${pts(d.low)}, ${pts(d.high)}]`;
}

/** `above zero`, `below zero` or `holds zero` for a difference with an interval. */
function side(d: PairedDifference): 'above zero' | 'below zero' | 'holds zero' {
  if (d.low !== null && d.low > 0) return 'above zero';
  if (d.high !== null && d.high < 0) return 'below zero';
  return 'holds zero';
}

function apr(runs: readonly ExperimentRun[], p: RowPair, type: 'bbox' | 'segm') {
  return pairedDifference(
    seedValues(runs, p.base, type, 'APr'),
    seedValues(runs, p.row, type, 'APr'),
  );
}

/**
 * One sentence per pair whose rows both ran: the paired box and mask APr differences with
 * their 95 % intervals and, where there are at least two seeds, whether each is distinguishable
 * from zero (the interval excludes it).
 */
export function aprStatements(runs: readonly ExperimentRun[], pairs: readonly RowPair[]): string[] {
  const out: string[] = [];
  for (const p of pairs) {
    const diffs: [string, PairedDifference][] = [];
    for (const [what, type] of [
      ['box APr', 'bbox'],
      ['mask APr', 'segm'],
    ] as const) {
      const d = apr(runs, p, type);
      if (d) diffs.push([what, d]);
    }
    if (diffs.length === 0) continue;
    const n = Math.min(...diffs.map(([, d]) => d.n));
    const head = `- **${p.base}**: CRAT changes ${diffs.map(([what, d]) => `${what} by ${interval(d)}`).join(' and ')} AP points`;
    if (n < 2) {
      out.push(`${head} (1 paired seed: no interval, so no statement yet).`);
      continue;
    }
    const verdict = ([what, d]: readonly [string, PairedDifference]) => {
      const s = side(d);
      return s === 'holds zero'
        ? `on ${what} it is not distinguishable from zero`
        : `on ${what} it is distinguishable from zero (the interval is ${s})`;
    };
    out.push(`${head} over ${n} paired seeds: ${diffs.map(verdict).join('; ')}.`);
  }
  return out;
}

/**
 * What the published +3.0 tail AP means here for one pair: against the base row's own APr (as a
 * multiple of it), and against the measured interval (inside it: the data cannot tell it from
 * the measured effect; above it: the data exclude it), for box and mask APr.
 */
export function publishedClaimStatement(
  runs: readonly ExperimentRun[],
  pair: RowPair,
  gain = PUBLISHED_TAIL_GAIN,
): string | null {
  const parts: string[] = [];
  for (const [type, label] of [
    ['bbox', 'box'],
    ['segm', 'mask'],
  ] as const) {
    const d = apr(runs, pair, type);
    const base = meanSpread([...seedValues(runs, pair.base, type, 'APr').values()]);
    if (!d || d.low === null || d.high === null || !base) continue;
    const mean = base.mean;
    const g = gain / 100;
    const where =
      g > d.high
        ? `above the measured interval ${interval(d)}, so these ${d.n} seeds exclude a gain that large`
        : g < d.low
          ? `below the measured interval ${interval(d)}: the measured gain is larger`
          : `inside the measured interval ${interval(d)}, so these ${d.n} seeds cannot tell it apart`;
    const to = `from ${(100 * mean).toFixed(1)} to ${(100 * (mean + g)).toFixed(1)}`;
    const times = mean > 0 ? ` (${((mean + g) / mean).toFixed(1)}x)` : '';
    parts.push(
      `on ${label} APr it would take \`${pair.base}\` ${to}${times}, and it lies ${where} (±${((100 * (d.high - d.low)) / 2).toFixed(1)})`,
    );
  }
  if (parts.length === 0) return null;
  return `The published +${gain.toFixed(1)} tail AP on LVIS, read as ${gain.toFixed(1)} APr points here: ${parts.join('; ')}.`;
}
