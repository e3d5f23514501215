import { CRAT_MODES, DEFAULT_CRAT_MODE } from '@crat/crat-transfuse';
import { describe, expect, it } from 'vitest';
import { budgetOverrides, experimentSpecs, lvisSubset } from '../src/bench/experiments.js';
import {
  aggregateRuns,
  bestRow,
  type ExperimentRun,
  formatCell,
  formatExperimentsReport,
  formatExperimentsTable,
  meanSpread,
} from '../src/bench/experiments-table.js';

const m = (AP: number, APr: number, APc: number, APf: number) => ({ AP, APr, APc, APf });

function run(name: string, seed: number, ap: number, seconds = 60): ExperimentRun {
  return {
    name,
    seed,
    bbox: m(ap, ap / 2, ap, ap * 1.5),
    segm: m(ap * 0.8, -1, ap, ap),
    seconds,
  };
}

describe('experiments table', () => {
  it('mean and sample std over seeds, skipping LVIS -1 entries', () => {
    const v = meanSpread([0.1, 0.2, 0.3])!;
    expect(v.mean).toBeCloseTo(0.2, 12);
    expect(v.spread).toBeCloseTo(0.1, 12); // sqrt(((0.1)^2 + 0 + (0.1)^2) / 2)
    expect(meanSpread([0.25, -1])).toEqual({ mean: 0.25, spread: null });
    expect(meanSpread([-1, -1])).toBeNull();
  });

  it('groups runs by name in first-seen order and aggregates each metric', () => {
    const rows = aggregateRuns([
      run('CE', 0, 0.1, 50),
      run('EQLv2', 0, 0.3),
      run('CE', 1, 0.3, 70),
      run('EQLv2', 1, 0.3),
    ]);
    expect(rows.map((r) => r.name)).toEqual(['CE', 'EQLv2']);
    const ce = rows[0]!;
    expect(ce.seeds).toBe(2);
    expect(ce.bbox.AP!.mean).toBeCloseTo(0.2, 12);
    expect(ce.bbox.APf!.mean).toBeCloseTo(0.3, 12);
    expect(ce.bbox.AP!.spread).toBeCloseTo(Math.SQRT2 * 0.1, 12);
    expect(ce.segm.APr).toBeNull();
    expect(ce.seconds).toBe(60);
    expect(rows[1]!.bbox.AP!.spread).toBeCloseTo(0, 12);
  });

  it('formats cells as percentages with the spread when there are several seeds', () => {
    expect(formatCell({ mean: 0.1234, spread: null })).toBe('12.3');
    expect(formatCell({ mean: 0.1234, spread: 0.015 })).toBe('12.3 ± 1.5');
    expect(formatCell(null)).toBe('n/a');
  });

  it('writes one Markdown row per experiment with box and mask columns and the time', () => {
    const rows = aggregateRuns([run('CE', 0, 0.1, 65), run('CE + CRAT', 0, 0.2, 30)]);
    const lines = formatExperimentsTable(rows).split('\n');
    expect(lines).toHaveLength(2 + rows.length);
    const header = lines[0]!.split('|').map((c) => c.trim());
    expect(header).toContain('box APr');
    expect(header).toContain('mask APf');
    const cells = lines[3]!.split('|').map((c) => c.trim());
    expect(cells[1]).toBe('CE + CRAT');
    expect(cells[header.indexOf('box AP')]).toBe('20.0');
    expect(cells[header.indexOf('mask APr')]).toBe('n/a');
    expect(cells[header.indexOf('time/run')]).toBe('30s');
    expect(lines[2]!.split('|').map((c) => c.trim())[header.indexOf('time/run')]).toBe('1m05s');
  });

  it('names the best CRAT mode and states the budget and val subset in the header', () => {
    const modes = aggregateRuns([
      run('EQLv2 + CRAT (reference)', 0, 0.2),
      run('EQLv2 + CRAT (exact)', 0, 0.25),
      run('EQLv2 + CRAT (exact-fisher)', 0, 0.22),
    ]);
    expect(bestRow(modes, 'bbox', 'AP')!.name).toBe('EQLv2 + CRAT (exact)');
    const md = formatExperimentsReport(
      {
        date: '2026-01-02',
        machine: '2 cores, wasm',
        budget: 120,
        valImages: 100,
        valTotal: 600,
        totalSeconds: 600,
      },
      aggregateRuns([run('CE', 0, 0.1)]),
      modes,
    );
    expect(md).toContain('2026-01-02');
    expect(md).toContain('120 training steps per run');
    expect(md).toContain('first 100 of 600 synth val images');
    expect(md).toContain('`EQLv2 + CRAT (exact)`');
  });
});

describe('experiment plan', () => {
  it('covers 4 losses x {without, with CRAT} plus the two other CRAT modes on EQLv2', () => {
    const specs = experimentSpecs();
    const loss = specs.filter((s) => s.group === 'loss');
    expect(loss).toHaveLength(8);
    // The "+ CRAT" runs use the package's default mode; the mode table adds the other two.
    for (const s of loss.filter((x) => x.name.endsWith('+ CRAT')))
      expect(s.cratMode).toBe(DEFAULT_CRAT_MODE);
    expect(specs.filter((s) => s.group === 'mode').map((s) => s.cratMode)).toEqual(
      CRAT_MODES.filter((m) => m !== DEFAULT_CRAT_MODE),
    );
    expect(new Set(specs.map((s) => s.name)).size).toBe(specs.length);
    expect(
      experimentSpecs('reference')
        .filter((s) => s.group === 'mode')
        .map((s) => s.cratMode),
    ).toEqual(['exact', 'exact-fisher']);
  });

  it('shrinks the schedule to the budget with ordered milestones inside it', () => {
    const o = budgetOverrides(100);
    expect(o).toContain('schedule.length=100');
    const ms = o.find((x) => x.startsWith('schedule.policy.milestones='))!;
    const [a, b] = ms
      .slice(ms.indexOf('[') + 1, -1)
      .split(',')
      .map(Number);
    expect(a).toBeLessThan(b!);
    expect(b).toBeLessThan(100);
    expect(o).toContain('evaluation.interval=100');
    for (const budget of [1, 2, 3, 7]) {
      const tiny = budgetOverrides(budget).find((x) =>
        x.startsWith('schedule.policy.milestones='),
      )!;
      const list = tiny
        .slice(tiny.indexOf('[') + 1, -1)
        .split(',')
        .map(Number);
      expect(list.every((x) => x >= 1 && x <= budget)).toBe(true);
    }
  });

  it('cuts an LVIS file to its first images and their annotations', () => {
    const json = {
      images: [{ id: 5 }, { id: 2 }, { id: 9 }],
      annotations: [{ image_id: 9 }, { image_id: 5 }, { image_id: 2 }, { image_id: 5 }],
      categories: [{ id: 1 }],
    };
    const sub = lvisSubset(json, 2);
    expect(sub.images.map((i) => i.id)).toEqual([5, 2]);
    expect(sub.annotations.map((a) => a.image_id)).toEqual([5, 2, 5]);
    expect(sub.categories).toEqual(json.categories);
  });
});
