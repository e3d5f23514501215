// The per-class view of a CRAT pair: each rare and common class's AP with and without CRAT
// (paired by seed), its training count, and the share of CRAT's transfer weight it received
// from classes of its own shape family (and, as a contrast, of its own look: same colour and
// texture, another shape). Pure: it reads finished run records.

import { markdownTableHead } from './experiments-table.js';
import type { TransferMatrix } from './run-records.js';

/** What the synthetic set says of a class (`synth_meta.json`'s `classes`). */
export interface SynthClass {
  id: number;
  name: string;
  family: string;
  frequency: 'r' | 'c' | 'f';
  /** Colour and texture (`red/striped`): the classes of one look are other shapes. */
  look?: string;
}

/** The per-class parts of a run record the view reads. */
export interface PerClassRun {
  seed: number;
  perClassAp: { bbox: Record<string, number>; segm: Record<string, number> };
  transfer: { bbox?: TransferMatrix; mask?: TransferMatrix };
}

/**
 * Per target class, the share of the transfer weight it received that came from the other
 * classes of its group (its shape family, or its look): `Σ_{s≠t, group(s)=group(t)} m[s][t] /
 * Σ_{s≠t} m[s][t]`; null for a class that received none. `groups[label]` is the group of each
 * contiguous label.
 */
export function sameGroupShare(
  matrix: TransferMatrix,
  groups: readonly string[],
): (number | null)[] {
  const c = checkSize(matrix, groups, 'sameGroupShare');
  return groups.map((group, t) => {
    let total = 0;
    let same = 0;
    for (let s = 0; s < c; s++) {
      if (s === t) continue;
      const w = matrix[s]![t]!;
      total += w;
      if (groups[s] === group) same += w;
    }
    return total > 0 ? same / total : null;
  });
}

function checkSize(matrix: TransferMatrix, groups: readonly string[], what: string): number {
  const c = groups.length;
  if (matrix.length !== c || matrix.some((row) => row.length !== c)) {
    throw new RangeError(
      `${what}: the transfer matrix must be ${c} x ${c} (one row and column per class)`,
    );
  }
  return c;
}

/**
 * The same-family share each target would get if every source spread the weight it sent
 * evenly over its other classes: `Σ_{s∈F(t), s≠t} out_s / Σ_{s≠t} out_s`, `out_s` the weight
 * source s sent to other classes; null where no other class sent any. Classes send in
 * proportion to their positive RoIs, so a family holding a frequent class is "near" by volume
 * alone; this is the chance level that volume sets, against which a share shows a preference.
 */
export function volumeChanceShare(
  matrix: TransferMatrix,
  groups: readonly string[],
): (number | null)[] {
  checkSize(matrix, groups, 'volumeChanceShare');
  // Each source's sent weight spread evenly: every target gets out_s from source s.
  const out = matrix.map((row, s) => row.reduce((a, w, t) => (t === s ? a : a + w), 0));
  return sameGroupShare(
    matrix.map((row, s) => row.map(() => out[s]!)),
    groups,
  );
}

/** The share a class would get if CRAT spread its weight evenly over the other classes. */
export function chanceShare(families: readonly string[], t: number): number {
  const same = families.filter((f, s) => s !== t && f === families[t]).length;
  return families.length > 1 ? same / (families.length - 1) : 0;
}

export interface PairedAp {
  /** Seeds both runs have an AP for this class. */
  seeds: number;
  without: number;
  with: number;
}

export interface PerClassRow {
  id: number;
  name: string;
  family: string;
  frequency: 'r' | 'c';
  trainInstances: number;
  bbox: PairedAp | null;
  segm: PairedAp | null;
  /** Mean over the CRAT runs' seeds; null when no run recorded that branch or the class got none. */
  share: { bbox: number | null; mask: number | null };
  /** Even spread over the other classes. */
  chance: number;
  /** Each source's weight spread evenly ({@link volumeChanceShare}), mean over the CRAT runs. */
  volumeChance: { bbox: number | null; mask: number | null };
  /** The same two for the class's look (same colour and texture); null without looks. */
  look: {
    share: { bbox: number | null; mask: number | null };
    volumeChance: { bbox: number | null; mask: number | null };
  } | null;
}

function mean(v: readonly number[]): number | null {
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

function pairedAp(
  without: readonly PerClassRun[],
  withIt: readonly PerClassRun[],
  type: 'bbox' | 'segm',
  id: number,
): PairedAp | null {
  const a: number[] = [];
  const b: number[] = [];
  for (const w of withIt) {
    const base = without.find((r) => r.seed === w.seed);
    const x = base?.perClassAp[type][String(id)];
    const y = w.perClassAp[type][String(id)];
    if (x === undefined || y === undefined || x < 0 || y < 0) continue;
    a.push(x);
    b.push(y);
  }
  return a.length ? { seeds: a.length, without: mean(a)!, with: mean(b)! } : null;
}

/**
 * One row per rare and common class (by id): AP without and with CRAT averaged over the seeds
 * both ran, the training instance count, and the same-family share averaged over the CRAT runs.
 * Contiguous labels are the classes sorted by id, as in the model and its transfer matrices.
 */
export function perClassRows(
  classes: readonly SynthClass[],
  trainInstances: ReadonlyMap<number, number>,
  without: readonly PerClassRun[],
  withIt: readonly PerClassRun[],
): PerClassRow[] {
  const sorted = [...classes].sort((x, y) => x.id - y.id);
  const families = sorted.map((c) => c.family);
  const looks = sorted.every((c) => c.look !== undefined) ? sorted.map((c) => c.look!) : null;
  const matrices = (branch: 'bbox' | 'mask') =>
    withIt.map((r) => r.transfer[branch]).filter((m): m is TransferMatrix => m !== undefined);
  const per = (groups: readonly string[], f: typeof sameGroupShare) => ({
    bbox: matrices('bbox').map((m) => f(m, groups)),
    mask: matrices('mask').map((m) => f(m, groups)),
  });
  const family = { share: per(families, sameGroupShare), chance: per(families, volumeChanceShare) };
  const look = looks && {
    share: per(looks, sameGroupShare),
    chance: per(looks, volumeChanceShare),
  };
  const at = (runs: (number | null)[][], t: number) =>
    mean(runs.map((s) => s[t]).filter((x): x is number => x !== null));
  const both = (v: { bbox: (number | null)[][]; mask: (number | null)[][] }, t: number) => ({
    bbox: at(v.bbox, t),
    mask: at(v.mask, t),
  });
  const rows: PerClassRow[] = [];
  sorted.forEach((c, t) => {
    if (c.frequency === 'f') return;
    rows.push({
      id: c.id,
      name: c.name,
      family: c.family,
      frequency: c.frequency,
      trainInstances: trainInstances.get(c.id) ?? 0,
      bbox: pairedAp(without, withIt, 'bbox', c.id),
      segm: pairedAp(without, withIt, 'segm', c.id),
      share: both(family.share, t),
      chance: chanceShare(families, t),
      volumeChance: both(family.chance, t),
      look: look && { share: both(look.share, t), volumeChance: both(look.chance, t) },
    });
  });
  return rows;
}

const pct = (x: number | null) => (x === null ? 'n/a' : (100 * x).toFixed(1));
const signed = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;

function apCells(p: PairedAp | null): string[] {
  return p ? [pct(p.without), pct(p.with), signed(p.with - p.without)] : ['n/a', 'n/a', 'n/a'];
}

/** The per-class Markdown table, rare classes first, then common, each by training count. */
export function formatPerClassTable(rows: readonly PerClassRow[]): string {
  const head = [
    'class',
    'freq',
    'family',
    'train inst.',
    'box AP w/o',
    'box AP w/',
    'Δ box',
    'mask AP w/o',
    'mask AP w/',
    'Δ mask',
    'same-family share (box)',
    'same-family share (mask)',
  ];
  const order = [...rows].sort(
    (a, b) =>
      (a.frequency === b.frequency ? 0 : a.frequency === 'r' ? -1 : 1) ||
      a.trainInstances - b.trainInstances ||
      a.id - b.id,
  );
  const lines = markdownTableHead(head, 3);
  for (const r of order) {
    const cells = [
      r.name,
      r.frequency,
      r.family,
      String(r.trainInstances),
      ...apCells(r.bbox),
      ...apCells(r.segm),
      pct(r.share.bbox),
      pct(r.share.mask),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

export interface ShareSummary {
  frequency: 'r' | 'c';
  classes: number;
  /** Mean same-family share over the classes that received weight, per branch. */
  bbox: number | null;
  mask: number | null;
  /** Mean chance share of the same classes. */
  chance: number;
  /** Mean volume chance share of the classes that received weight, per branch. */
  volumeChance: { bbox: number | null; mask: number | null };
  /** The same-look share and its volume chance, per branch; null without looks. */
  look: {
    share: { bbox: number | null; mask: number | null };
    volumeChance: { bbox: number | null; mask: number | null };
  } | null;
}

/** The mean same-family share of the rare and of the common classes, beside chance. */
export function summarizeShares(rows: readonly PerClassRow[]): ShareSummary[] {
  return (['r', 'c'] as const).map((frequency) => {
    const g = rows.filter((r) => r.frequency === frequency);
    type Pair = { bbox: number | null; mask: number | null };
    // Averages over the classes that received weight on that branch.
    const avg = (
      share: (r: PerClassRow) => Pair | undefined,
      value: (r: PerClassRow) => Pair | undefined,
    ) => {
      const of = (b: 'bbox' | 'mask') =>
        mean(
          g
            .filter((r) => share(r)?.[b] != null)
            .map((r) => value(r)?.[b])
            .filter((x): x is number => x != null),
        );
      return { bbox: of('bbox'), mask: of('mask') };
    };
    const fam = avg(
      (r) => r.share,
      (r) => r.share,
    );
    const hasLooks = g.length > 0 && g.every((r) => r.look !== null);
    return {
      frequency,
      classes: g.length,
      bbox: fam.bbox,
      mask: fam.mask,
      chance: mean(g.map((r) => r.chance)) ?? 0,
      volumeChance: avg(
        (r) => r.share,
        (r) => r.volumeChance,
      ),
      look: hasLooks
        ? {
            share: avg(
              (r) => r.look?.share,
              (r) => r.look?.share,
            ),
            volumeChance: avg(
              (r) => r.look?.share,
              (r) => r.look?.volumeChance,
            ),
          }
        : null,
    };
  });
}

function groupName(s: ShareSummary): string {
  return `${s.frequency === 'r' ? 'rare' : 'common'} (${s.classes} ${s.classes === 1 ? 'class' : 'classes'})`;
}

/**
 * One sentence per frequency group: `rare (8 classes): 41.0 % (box), 38.2 % (mask) of the
 * transfer weight from the own family; chance 10.3 % by class count, 12.0 % (box) / 11.8 %
 * (mask) by what each class sent`.
 */
export function formatShareSummary(summary: readonly ShareSummary[]): string {
  return summary
    .map(
      (s) =>
        `${groupName(s)}: ${pct(s.bbox)} % (box), ${pct(s.mask)} % (mask) of the transfer weight from the own family; ` +
        `chance ${pct(s.chance)} % by class count, ` +
        `${pct(s.volumeChance.bbox)} % (box) / ${pct(s.volumeChance.mask)} % (mask) by what each class sent`,
    )
    .join('; ');
}

/** The same for the classes' looks, or null when the classes have none. */
export function formatLookSummary(summary: readonly ShareSummary[]): string | null {
  const withLooks = summary.filter((s) => s.look !== null);
  if (withLooks.length === 0) return null;
  return withLooks
    .map(
      (s) =>
        `${groupName(s)}: ${pct(s.look!.share.bbox)} % (box), ${pct(s.look!.share.mask)} % (mask) from the own look; ` +
        `${pct(s.look!.volumeChance.bbox)} % (box) / ${pct(s.look!.volumeChance.mask)} % (mask) by what each class sent`,
    )
    .join('; ');
}
