// The paired comparison the experiments table reports for every "+ CRAT" row.
import { describe, expect, it } from 'vitest';
import { formatCratDifferences } from '../src/bench/experiments-table.js';
import { formatDifference, pairedDifference, studentT975 } from '../src/bench/paired-stats.js';

describe('pairedDifference', () => {
  it('gives the mean per-seed difference and its Student-t 95% interval (a hand case)', () => {
    // differences 0.02, 0.04, 0.03: mean 0.03, sd 0.01, t(0.975, 2) = 4.303,
    // half-width 4.303 * 0.01 / sqrt(3) = 0.0248434
    const without = new Map([
      [0, 0.1],
      [1, 0.2],
      [2, 0.15],
    ]);
    const withIt = new Map([
      [0, 0.12],
      [1, 0.24],
      [2, 0.18],
      [3, 0.5], // a seed the other row does not have: not paired
    ]);
    const d = pairedDifference(without, withIt)!;
    expect(d.n).toBe(3);
    expect(d.mean).toBeCloseTo(0.03, 12);
    expect(d.low).toBeCloseTo(0.03 - 0.0248434, 6);
    expect(d.high).toBeCloseTo(0.03 + 0.0248434, 6);
    expect(formatDifference(d)).toBe('+3.0 [+0.5, +5.5] *');
  });

  it('leaves out LVIS -1 values, has no interval with one seed, and none with no pair', () => {
    expect(pairedDifference(new Map([[0, -1]]), new Map([[0, 0.3]]))).toBeNull();
    const one = pairedDifference(new Map([[0, 0.2]]), new Map([[0, 0.1]]))!;
    expect(one).toEqual({ n: 1, mean: expect.closeTo(-0.1, 12), low: null, high: null });
    expect(formatDifference(one)).toBe('-10.0 (1 seed)');
    // an interval across zero is not starred
    const d = pairedDifference(
      new Map([
        [0, 0.1],
        [1, 0.1],
      ]),
      new Map([
        [0, 0.11],
        [1, 0.09],
      ]),
    )!;
    expect(formatDifference(d).endsWith('*')).toBe(false);
  });

  it('uses the t table, then the normal quantile', () => {
    expect(studentT975(1)).toBe(12.706);
    expect(studentT975(4)).toBe(2.776);
    expect(studentT975(30)).toBe(2.042);
    expect(studentT975(100)).toBe(1.96);
    expect(() => studentT975(0)).toThrow(/df must be an integer/);
  });
});

describe('formatCratDifferences', () => {
  it('pairs every "X + CRAT" row with its "X" row by seed', () => {
    const m = (AP: number) => ({ AP, AP75: AP / 2, APr: AP / 3, APc: AP, APf: AP });
    const runs = [0, 1, 2].flatMap((seed) => [
      { name: 'EQLv2', seed, bbox: m(0.1 + seed / 100), segm: m(0.2), seconds: 1 },
      { name: 'EQLv2 + CRAT', seed, bbox: m(0.12 + seed / 100), segm: m(0.2), seconds: 1 },
    ]);
    const table = formatCratDifferences(runs);
    expect(table).toContain(
      '| EQLv2 + CRAT vs EQLv2 | 3 | +2.0 [+2.0, +2.0] * | +0.0 [+0.0, +0.0] |',
    );
    expect(formatCratDifferences(runs.filter((r) => r.name === 'EQLv2'))).toBe('');
  });
});
