import { resolve } from 'node:path';
import { CRAT_MODES, DEFAULT_CRAT_MODE } from '@crat/crat-transfuse';
import { describe, expect, it } from 'vitest';
import {
  budgetOverrides,
  experimentSpecs,
  filterSpecs,
  RECORDED_CRAT_MODE,
  runFolderName,
  seedsFor,
  selectionSpecs,
  stage2Overrides,
  trainingOrder,
} from '../src/bench/experiment-specs.js';
import { lvisSubset } from '../src/bench/experiments.js';
import {
  formatExperimentsReport,
  formatSelectionReport,
  pickSettings,
  type ReportHeader,
} from '../src/bench/experiments-report.js';
import {
  aggregateRuns,
  type ExperimentRun,
  formatCell,
  formatExperimentsTable,
  meanSpread,
} from '../src/bench/experiments-table.js';
import { readRunRecords } from '../src/bench/run-records.js';

const REPO = resolve(__dirname, '../../..');

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
});

const HEADER: ReportHeader = {
  dates: '2026-01-02 to 2026-01-03',
  machines: ['2 cores, wasm'],
  codeVersions: ['1a2b3c4d5e6f'],
  budget: 120,
  split: 'val',
  evalImages: 100,
  evalTotal: 600,
  runSeconds: 600,
  runs: 4,
};

describe('experiments report', () => {
  it('states dates, machine, code, budget and subset; shows each group and its pairs', () => {
    const runs = [0, 1].flatMap((seed) => [
      run('EQLv2', seed, 0.2 + seed / 100),
      run('EQLv2 + CRAT', seed, 0.25 + seed / 50),
      run('EQLv2 + CRAT (reference)', seed, 0.1),
      run('EQLv2 + CRAT (uniform sampler)', seed, 0.3),
      run('EQLv2 (uniform sampler)', seed, 0.28),
    ]);
    const md = formatExperimentsReport(HEADER, runs, experimentSpecs());
    expect(md).toContain('2026-01-02 to 2026-01-03');
    expect(md).toContain('code 1a2b3c4d5e6f');
    expect(md).toContain('120 training steps per run');
    expect(md).toContain('first 100 of 600 synth val images');
    expect(md).toContain('10m00s of run time');
    // EQLv2 + CRAT is shown again as its mode's row and as the repeat-factor sampler row.
    expect(md).toContain(`| EQLv2 + CRAT (${RECORDED_CRAT_MODE}) | 2 |`);
    expect(md).toContain('| EQLv2 + CRAT (repeat-factor sampler) | 2 |');
    // Paired rows: loss pair +5.0 / +6.0 points, mean +5.5; mode against EQLv2; sampler pair.
    expect(md).toMatch(/\| EQLv2 \+ CRAT vs EQLv2 \| 2 \| \+5\.5 \[/);
    expect(md).toMatch(/\| EQLv2 \+ CRAT \(reference\) vs EQLv2 \| 2 \| -10\.5 \[/);
    // ...then against EQLv2 + CRAT (-15 / -17 points), after the EQLv2 pair.
    const againstDefault = '| EQLv2 + CRAT (reference) vs EQLv2 + CRAT | 2 | -16.0';
    expect(md).toContain(againstDefault);
    expect(md.indexOf(againstDefault)).toBeGreaterThan(
      md.indexOf('| EQLv2 + CRAT (reference) vs EQLv2 |'),
    );
    expect(md).toContain('| EQLv2 + CRAT (uniform sampler) vs EQLv2 (uniform sampler) | 2 | +2.0');
    // The per-loss APr sentence and the published claim's reading follow the loss table.
    expect(md).toContain("Does CRAT move the rare classes' AP, per loss");
    expect(md).toContain('- **EQLv2**: CRAT changes box APr by');
    expect(md).not.toContain('- **Seesaw**');
    expect(md).toContain('The published +3.0 tail AP on LVIS');
    // Rows that did not run are not shown; no mode is "picked" on val.
    expect(md).not.toContain('| Seesaw |');
    expect(md).not.toContain('Best CRAT mode');
  });

  it('picks each setting on minival by mean box AP, the default candidate in every setting', () => {
    const specs = selectionSpecs();
    const runs = [
      run('EQLv2', 0, 0.1),
      run(`CRAT mode ${RECORDED_CRAT_MODE}`, 0, 0.2),
      run('CRAT mode exact', 0, 0.25),
      run('CRAT mode reference', 0, 0.15),
      run('CRAT temperature 0.02', 0, 0.19),
      run('CRAT temperature 0.2', 0, 0.21),
      run('CRAT loss weights x10', 0, 0.18),
      run('CRAT loss weights x100', 0, 0.05),
      run('CRAT similarity squared-gradient', 0, 0.22),
    ];
    const picks = pickSettings(runs, specs);
    expect(picks.map((p) => [p.setting, p.value])).toEqual([
      ['mode', 'exact'],
      ['temperature', '0.2'],
      ['loss weights', 'x1 (box 0.001, mask 0.01)'],
      ['similarity', 'squared-gradient'],
    ]);
    const md = formatSelectionReport({ ...HEADER, split: 'minival', evalTotal: 300 }, runs, specs);
    expect(md).toContain('first 100 of 300 synth minival images');
    expect(md).toContain(
      '- mode: **exact** (`CRAT mode exact`, box AP 25.0; 3 of the candidates ran)',
    );
  });

  it("makes the package's default mode the pick of the committed minival records", () => {
    const records = readRunRecords(resolve(REPO, 'bench-results/select'));
    expect(records.length).toBeGreaterThanOrEqual(3 * CRAT_MODES.length);
    expect(records.every((r) => r.split === 'minival')).toBe(true);
    const mode = pickSettings(records, selectionSpecs()).find((p) => p.setting === 'mode')!;
    expect(mode.candidates).toBe(CRAT_MODES.length);
    expect(mode.value).toBe(DEFAULT_CRAT_MODE);
    // The table's "+ CRAT" rows keep the mode they were recorded in, which is another one.
    expect(RECORDED_CRAT_MODE).not.toBe(DEFAULT_CRAT_MODE);
  });
});

describe('experiment plan', () => {
  it('covers 4 losses x {without, with CRAT}, the other modes, box/mask only, samplers and stage 2', () => {
    const specs = experimentSpecs();
    const loss = specs.filter((s) => s.group === 'loss');
    expect(loss).toHaveLength(8);
    // The "+ CRAT" runs use the mode they were recorded in; the mode table adds the other two.
    for (const s of loss.filter((x) => x.name.endsWith('+ CRAT'))) {
      expect(s.cratMode).toBe(RECORDED_CRAT_MODE);
      expect(s.pairedWith).toBe(s.name.slice(0, -' + CRAT'.length));
    }
    expect(specs.filter((s) => s.group === 'mode').map((s) => s.cratMode)).toEqual(
      CRAT_MODES.filter((m) => m !== RECORDED_CRAT_MODE),
    );
    expect(new Set(specs.map((s) => s.name)).size).toBe(specs.length);
    expect(
      experimentSpecs('reference')
        .filter((s) => s.group === 'mode')
        .map((s) => s.cratMode),
    ).toEqual(['exact', 'exact-fisher']);
    const variant = specs.filter((s) => s.group === 'variant');
    expect(variant.map((s) => s.config)).toEqual([
      'configs/synth/eqlv2_crat.ts',
      'configs/synth/eqlv2_crat.ts',
      'configs/synth/eqlv2.ts',
      'configs/synth/eqlv2_crat.ts',
      'configs/synth/eqlv2_crat.ts',
      'configs/synth/eqlv2_crat_box.ts',
      'configs/synth/eqlv2_crat_mask.ts',
      'configs/synth/eqlv2.ts',
      'configs/synth/eqlv2_crat.ts',
      'configs/synth/eqlv2.ts',
      'configs/synth/eqlv2_crat.ts',
      'configs/synth/eqlv2_crat_stage2.ts',
    ]);
    // Each sampler row is paired with EQLv2 on the same sampler: the pair differs by CRAT alone.
    const uniform = variant.find((s) => s.name === 'EQLv2 + CRAT (uniform sampler)')!;
    expect(uniform.cfgOptions).toEqual(['sampler.type=uniform']);
    expect(specs.find((s) => s.name === uniform.pairedWith)!.cfgOptions).toEqual(
      uniform.cfgOptions,
    );
    const stage2 = variant.at(-1)!;
    expect(stage2.startsFrom).toBe('EQLv2 + CRAT');
    // The squared-gradient similarity on both transfers, against EQLv2 like the modes.
    expect(variant[0]!.cfgOptions).toEqual([
      'transfers.0.similarity=squared-gradient',
      'transfers.1.similarity=squared-gradient',
    ]);
    expect(variant[0]!.pairedWith).toBe('EQLv2');
    // The minival pick of the loss weights, tested on val with the selection's own overrides.
    expect(variant[1]!.name).toBe('EQLv2 + CRAT (loss weights x10)');
    expect(variant[1]!.cfgOptions).toEqual(
      selectionSpecs().find((s) => s.name === 'CRAT loss weights x10')!.cfgOptions,
    );
    expect(variant[1]!.cfgOptions).toEqual([
      'transfers.0.lossWeight=0.01',
      'transfers.1.lossWeight=0.1',
    ]);
    expect(variant[1]!.alsoPairedWith).toBe('EQLv2 + CRAT');
    // Its control: no CRAT, the heads' own box and mask loss weights raised, against that row.
    expect(variant[2]!.cfgOptions).toEqual([
      'model.roiHead.bbox.lossBboxWeight=3',
      'model.roiHead.mask.lossMaskWeight=5',
    ]);
    expect(variant[2]!.cratMode).toBeUndefined();
    expect(variant[2]!.alsoPairedWith).toBe(variant[1]!.name);
    // The Fisher guidance's control: the same loss weights, the weight spread evenly.
    expect(variant[3]!.name).toBe('EQLv2 + CRAT (loss weights x10, uniform weights)');
    expect(variant[3]!.cfgOptions).toEqual([
      ...variant[1]!.cfgOptions!,
      'transfers.0.similarity=uniform',
      'transfers.1.similarity=uniform',
    ]);
    expect(variant[3]!.cratMode).toBe(variant[1]!.cratMode);
    expect(variant[3]!.alsoPairedWith).toBe(variant[1]!.name);
    // Both minival picks at once: the default mode with the picked weights.
    expect(variant[4]!.name).toBe(`EQLv2 + CRAT (${DEFAULT_CRAT_MODE}, loss weights x10)`);
    expect(variant[4]!.cratMode).toBe(DEFAULT_CRAT_MODE);
    expect(variant[4]!.cfgOptions).toEqual(variant[1]!.cfgOptions);
    expect(variant[4]!.alsoPairedWith).toBe(variant[1]!.name);
    // Every paired base is a row of the plan.
    const names = new Set(specs.map((s) => s.name));
    for (const s of specs) if (s.pairedWith) expect(names.has(s.pairedWith)).toBe(true);
  });

  it('gives the default pipeline pair its own seed count and keeps a stage 2 with its stage 1', () => {
    const specs = experimentSpecs();
    const seeds = Object.fromEntries(specs.map((s) => [s.name, seedsFor(s, 3, 5)]));
    expect(seeds.EQLv2).toBe(5);
    expect(seeds['EQLv2 + CRAT']).toBe(5);
    expect(seeds.CE).toBe(3);
    expect(seeds['Seesaw + CRAT']).toBe(3);
    expect(filterSpecs(specs, ['stage 2']).map((s) => s.name)).toEqual([
      'EQLv2 + CRAT',
      'EQLv2 + CRAT + stage 2',
    ]);
    expect(filterSpecs(specs, ['seesaw']).map((s) => s.name)).toEqual(['Seesaw', 'Seesaw + CRAT']);
    expect(runFolderName('EQLv2 + CRAT (box only)', 2)).toBe('eqlv2_crat_box_only_s2');
    // Whole words: CE is not the "ce" of "(reference)"; a pattern may start with "+".
    expect(filterSpecs(specs, ['ce']).map((s) => s.name)).toEqual(['CE', 'CE + CRAT']);
    expect(filterSpecs(specs, ['CE + CRAT']).map((s) => s.name)).toEqual(['CE + CRAT']);
    expect(filterSpecs(specs, ['+ CRAT (']).length).toBe(10);
    expect(filterSpecs(specs, ['sampler']).map((s) => s.name)).toEqual([
      'EQLv2 (uniform sampler)',
      'EQLv2 + CRAT (uniform sampler)',
      'EQLv2 (class-aware sampler)',
      'EQLv2 + CRAT (class-aware sampler)',
    ]);
  });

  it('picks rows by exact name with --rows, and refuses a name no row has', () => {
    const specs = experimentSpecs();
    // `EQLv2 + CRAT` as an --only pattern also takes the modes and the variants; as a row, not.
    expect(filterSpecs(specs, ['EQLv2 + CRAT']).length).toBeGreaterThan(2);
    expect(filterSpecs(specs, undefined, ['eqlv2', 'EQLv2 + CRAT']).map((s) => s.name)).toEqual([
      'EQLv2',
      'EQLv2 + CRAT',
    ]);
    expect(filterSpecs(specs, undefined, ['EQLv2 + CRAT + stage 2']).map((s) => s.name)).toEqual([
      'EQLv2 + CRAT',
      'EQLv2 + CRAT + stage 2',
    ]);
    expect(filterSpecs(specs, ['seesaw'], ['CE']).map((s) => s.name)).toEqual([
      'CE',
      'Seesaw',
      'Seesaw + CRAT',
    ]);
    expect(() => filterSpecs(specs, undefined, ['EQLv2 + CART'])).toThrow(/no row is named/);
  });

  it('trains group by group and, within a group, seed by seed (pairs finish together)', () => {
    const specs = filterSpecs(experimentSpecs(), undefined, [
      'CE',
      'CE + CRAT',
      'EQLv2',
      'EQLv2 + CRAT + stage 2',
    ]);
    const runs = specs.flatMap((spec) =>
      Array.from({ length: seedsFor(spec, 2, 3) }, (_v, seed) => ({ spec, seed })),
    );
    const order = trainingOrder(runs, specs).map((r) => `${r.spec.name}/${r.seed}`);
    expect(order).toEqual([
      'CE/0',
      'CE + CRAT/0',
      'EQLv2/0',
      'EQLv2 + CRAT/0',
      'CE/1',
      'CE + CRAT/1',
      'EQLv2/1',
      'EQLv2 + CRAT/1',
      'EQLv2/2',
      'EQLv2 + CRAT/2',
      'EQLv2 + CRAT + stage 2/0',
      'EQLv2 + CRAT + stage 2/1',
    ]);
  });

  it('scales the stage 2 schedule to 3/8 of the budget, without warm-up, from stage 1', () => {
    const o = stage2Overrides(800, 'work_dirs/b/eqlv2_crat_s0');
    expect(o).toContain('schedule.length=300');
    expect(o).toContain('loadFrom=work_dirs/b/eqlv2_crat_s0');
    expect(o.some((x) => x.startsWith('schedule.warmup'))).toBe(false);
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
    // At the main job's length it is the synth preset's own schedule.
    expect(budgetOverrides(800)).toEqual(
      expect.arrayContaining(['schedule.warmup.iters=300', 'schedule.policy.milestones=[600,736]']),
    );
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
