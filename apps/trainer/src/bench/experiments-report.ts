// The bench's Markdown documents from finished runs: the experiments report (one table per
// group, the paired differences, the per-class view) and the selection report (the pick on
// minival). Pure formatting; the runs come from the records on disk.

import { aprStatements, publishedClaimStatement } from './crat-statements.js';
import {
  type ExperimentGroup,
  type ExperimentSpec,
  PIPELINE_BASE,
  PIPELINE_CRAT,
} from './experiment-specs.js';
import {
  aggregateRuns,
  type ExperimentRow,
  type ExperimentRun,
  formatCratDifferences,
  formatExperimentsTable,
  formatRunTime,
  type RowPair,
} from './experiments-table.js';
import {
  formatLookSummary,
  formatPerClassTable,
  formatShareSummary,
  type PerClassRow,
  summarizeShares,
} from './per-class.js';

export interface ReportHeader {
  /** First and last day a run finished (`2026-12-01` or `2026-12-01 to 2026-12-03`). */
  dates: string;
  /** Each machine the runs were made on. */
  machines: string[];
  /** Each code version (commit, dirty) the runs were made with. */
  codeVersions: string[];
  budget: number;
  split: 'val' | 'minival';
  evalImages: number;
  evalTotal: number;
  /** Sum of the runs' own times (a resumed table is built over several sittings). */
  runSeconds: number;
  runs: number;
}

function headerLines(title: string, h: ReportHeader): string[] {
  const subset =
    h.evalImages < h.evalTotal
      ? `the first ${h.evalImages} of ${h.evalTotal} synth ${h.split} images`
      : `all ${h.evalTotal} synth ${h.split} images`;
  return [
    `### ${title} (synthetic set, ${h.dates})`,
    '',
    `${h.machines.join('; ')}; code ${h.codeVersions.join(', ')}; ${h.budget} training steps per run ` +
      `(batch 2), evaluated on ${subset}; AP in %, mean ± sample std over seeds; ` +
      `${h.runs} runs, ${formatRunTime(h.runSeconds)} of run time in all.`,
    '',
  ];
}

/** The rows of a group in plan order, with the runs of `extra` rows shown under another name. */
function groupRuns(
  runs: readonly ExperimentRun[],
  specs: readonly ExperimentSpec[],
  group: ExperimentGroup,
  extra: { from: string; as: string }[] = [],
): ExperimentRun[] {
  const names = specs.filter((s) => s.group === group).map((s) => s.name);
  const out: ExperimentRun[] = [];
  for (const e of extra) {
    out.push(...runs.filter((r) => r.name === e.from).map((r) => ({ ...r, name: e.as })));
  }
  for (const n of names) out.push(...runs.filter((r) => r.name === n));
  return out;
}

/** A group's comparisons: each row against its `pairedWith`, then against its `alsoPairedWith`. */
function pairsOf(specs: readonly ExperimentSpec[], group: ExperimentGroup): RowPair[] {
  const own = specs.filter((s) => s.group === group);
  return [
    ...own.flatMap((s) => (s.pairedWith ? [{ base: s.pairedWith, row: s.name }] : [])),
    ...own.flatMap((s) => (s.alsoPairedWith ? [{ base: s.alsoPairedWith, row: s.name }] : [])),
  ];
}

function section(
  title: string,
  rows: readonly ExperimentRow[],
  differences: string,
  pairsText: string,
): string[] {
  if (rows.length === 0) return [];
  return [
    title,
    '',
    formatExperimentsTable(rows),
    '',
    ...(differences ? [pairsText, '', differences, ''] : []),
  ];
}

const PAIRED =
  'Paired by seed (same seed: same data order and initialisation): mean difference in AP points ' +
  '[95 % Student-t interval]; `*`: the interval excludes zero.';

/** The per-class part: the table and the same-family summary, or nothing without the pair. */
export function formatPerClassSection(rows: readonly PerClassRow[], pair: RowPair): string[] {
  if (rows.length === 0) return [];
  const summary = summarizeShares(rows);
  const look = formatLookSummary(summary);
  return [
    `Per rare and common class, \`${pair.row}\` against \`${pair.base}\` (AP averaged over the ` +
      "seeds both ran; training instances; share of CRAT's transfer weight the class received " +
      'from the other classes of its shape family, averaged over the CRAT runs):',
    '',
    formatPerClassTable(rows),
    '',
    `Same-family share: ${formatShareSummary(summary)}. Chance by class count is the share if the weight were spread evenly over the other classes; chance by what each class sent is the share if every class spread the weight it sent evenly (frequent classes send most, so a family that holds one is near by volume alone). A share above the second shows the weights prefer that group.`,
    '',
    ...(look ? [`Same look (same colour and texture, another shape): ${look}.`, ''] : []),
  ];
}

/**
 * The experiments document: the loss x CRAT table and its paired differences, the CRAT modes
 * (the `EQLv2 + CRAT` run in its mode is one of them), the variants (box/mask only, samplers,
 * stage 2; repeat-factor is the preset's sampler, so `EQLv2 + CRAT` is shown as that row), and
 * the per-class view of the default pipeline's pair.
 */
export function formatExperimentsReport(
  header: ReportHeader,
  runs: readonly ExperimentRun[],
  specs: readonly ExperimentSpec[],
  perClass: readonly PerClassRow[] = [],
): string {
  const table = (group: ExperimentGroup, extra: { from: string; as: string }[] = []) => {
    const g = groupRuns(runs, specs, group, extra);
    const pairs = pairsOf(specs, group).map((p) => ({
      base: p.base,
      row: extra.find((e) => e.from === p.row)?.as ?? p.row,
    }));
    // A pair's base may sit in another table (EQLv2): its runs join the comparison only.
    const withBases = [
      ...g,
      ...runs.filter((r) => !g.includes(r) && pairs.some((p) => p.base === r.name)),
    ];
    // A table of nothing but rows shown again from another table says nothing: left out.
    const own = g.some((r) => !extra.some((e) => e.as === r.name));
    return {
      rows: own ? aggregateRuns(g) : [],
      differences: own ? formatCratDifferences(withBases, pairs) : '',
    };
  };
  const loss = table('loss');
  // The pipeline row's mode is the plan's (the records' configs match it, or resume refuses them).
  const tableMode = specs.find((s) => s.name === PIPELINE_CRAT)?.cratMode;
  const mode = table('mode', [{ from: PIPELINE_CRAT, as: `EQLv2 + CRAT (${tableMode})` }]);
  const variant = table('variant', [
    { from: PIPELINE_CRAT, as: 'EQLv2 + CRAT (repeat-factor sampler)' },
  ]);
  const lossPairs = pairsOf(specs, 'loss');
  const statements = aprStatements(runs, lossPairs);
  const claim = publishedClaimStatement(runs, { base: PIPELINE_BASE, row: PIPELINE_CRAT });
  return [
    ...headerLines('Experiments', header),
    ...section('Losses with and without CRAT:', loss.rows, loss.differences, PAIRED),
    ...(statements.length
      ? [
          "Does CRAT move the rare classes' AP, per loss (95 % paired intervals)?",
          '',
          ...statements,
          '',
        ]
      : []),
    ...(claim ? [claim, ''] : []),
    ...section(
      `CRAT modes on EQLv2 (a report, not a choice: the default mode is chosen on minival by \`crat bench select\`):`,
      mode.rows,
      mode.differences,
      `Each mode against ${PIPELINE_BASE}, then against \`${PIPELINE_CRAT}\` (${tableMode}, the mode of the table's "+ CRAT" rows). ${PAIRED}`,
    ),
    ...section(
      'CRAT variants on EQLv2 (the squared-gradient similarity; the loss weights picked on minival, EQLv2 with its own box and mask loss weights raised as much, the picked weights spread evenly over the other classes, and the picked weights in the picked mode; one branch only; other samplers, each beside EQLv2 with the same sampler; the decoupled stage 2 from `EQLv2 + CRAT`):',
      variant.rows,
      variant.differences,
      `The similarity, loss-weight and one-branch rows against ${PIPELINE_BASE}, then against \`${PIPELINE_CRAT}\` (its two controls and the picked mode against the loss-weight row). ${PAIRED}`,
    ),
    ...formatPerClassSection(perClass, { base: PIPELINE_BASE, row: PIPELINE_CRAT }),
  ].join('\n');
}

export interface SettingPick {
  setting: string;
  value: string;
  row: string;
  mean: number;
  /** Candidates of this setting that have a value (a pick among one is no choice). */
  candidates: number;
}

/** Per setting chosen, the candidate with the highest mean of `metric` (box AP by default). */
export function pickSettings(
  runs: readonly ExperimentRun[],
  specs: readonly ExperimentSpec[],
  type: 'bbox' | 'segm' = 'bbox',
  metric: 'AP' | 'APr' = 'AP',
): SettingPick[] {
  const rows = new Map(aggregateRuns(runs).map((r) => [r.name, r]));
  const settings = [...new Set(specs.flatMap((s) => Object.keys(s.choices ?? {})))];
  const picks: SettingPick[] = [];
  for (const setting of settings) {
    let best: { value: string; row: string; mean: number } | null = null;
    let candidates = 0;
    for (const s of specs) {
      const value = s.choices?.[setting];
      const v = rows.get(s.name)?.[type][metric];
      if (value === undefined || !v) continue;
      candidates++;
      if (!best || v.mean > best.mean) best = { value, row: s.name, mean: v.mean };
    }
    if (best) picks.push({ setting, ...best, candidates });
  }
  return picks;
}

/** The selection document: every candidate on minival, its difference to EQLv2, the picks. */
export function formatSelectionReport(
  header: ReportHeader,
  runs: readonly ExperimentRun[],
  specs: readonly ExperimentSpec[],
): string {
  const ordered = groupRuns(runs, specs, 'select');
  const picks = pickSettings(ordered, specs);
  return [
    ...headerLines('Selection on minival', header),
    formatExperimentsTable(aggregateRuns(ordered)),
    '',
    `Each candidate against ${PIPELINE_BASE}. ${PAIRED}`,
    '',
    formatCratDifferences(ordered, pairsOf(specs, 'select')),
    '',
    'Picked by mean box AP on minival (never on val):',
    '',
    ...(picks.length
      ? picks.map(
          (p) =>
            `- ${p.setting}: **${p.value}** (\`${p.row}\`, box AP ${(100 * p.mean).toFixed(1)}; ${p.candidates} of the candidates ran)`,
        )
      : ['- no candidate produced an AP']),
    '',
  ].join('\n');
}
