// The per-class view: same-family share of CRAT's transfer weight on a hand matrix, and the
// rows pairing each rare and common class's AP by seed.

import { describe, expect, it } from 'vitest';
import {
  chanceShare,
  formatLookSummary,
  formatPerClassTable,
  formatShareSummary,
  type PerClassRun,
  perClassRows,
  type SynthClass,
  sameGroupShare,
  summarizeShares,
  volumeChanceShare,
} from '../src/bench/per-class.js';

// Labels 0..3: families disc, disc, star, star.
const FAMILIES = ['disc', 'disc', 'star', 'star'];
// matrix[source][target]: class 1 gets 3 from class 0 (disc) and 1 from class 2 (star);
// class 3 gets 2 from class 2 (star) and 2 from class 0 (disc); class 0 gets nothing;
// class 2 gets 5 from itself only (the diagonal is not a transfer and is left out).
const M = [
  [0, 3, 0, 2],
  [0, 0, 0, 0],
  [0, 1, 5, 2],
  [0, 0, 0, 0],
];

describe('sameGroupShare', () => {
  it('is the same-family part of the weight each class received, null for none', () => {
    expect(sameGroupShare(M, FAMILIES)).toEqual([null, 0.75, null, 0.5]);
  });

  it('refuses a matrix of the wrong size', () => {
    expect(() => sameGroupShare([[0]], FAMILIES)).toThrow(/must be 4 x 4/);
  });

  it('gives the share that spreading what each class sent evenly would give', () => {
    // Sent to others: class 0 sends 5, class 2 sends 3 (its 5 to itself left out), 1 and 3 none.
    // Class 1 (disc): others sent 5 + 3, of which disc (class 0) 5. Class 3 (star): 5 + 3, star 3.
    // Class 0: only class 2 sent (3), a star: 0. Class 2: class 0 sent 5, a disc: 0.
    expect(volumeChanceShare(M, FAMILIES)).toEqual([0, 5 / 8, 0, 3 / 8]);
    expect(
      volumeChanceShare(
        [
          [0, 0],
          [0, 0],
        ],
        ['a', 'a'],
      ),
    ).toEqual([null, null]);
    expect(() => volumeChanceShare([[0]], FAMILIES)).toThrow(/volumeChanceShare: .* 4 x 4/);
  });

  it('gives the share an even spread would give', () => {
    expect(chanceShare(FAMILIES, 0)).toBeCloseTo(1 / 3, 12);
    expect(chanceShare(['a', 'a', 'a', 'b', 'b'], 3)).toBeCloseTo(1 / 4, 12);
  });
});

const CLASSES: SynthClass[] = [
  // Listed out of id order: labels are the classes sorted by id.
  { id: 4, name: 'blue_star', family: 'star', frequency: 'r' },
  { id: 1, name: 'red_disc', family: 'disc', frequency: 'f' },
  { id: 2, name: 'blue_disc', family: 'disc', frequency: 'c' },
  { id: 3, name: 'red_star', family: 'star', frequency: 'c' },
];

function crat(seed: number, ap: Record<string, number>, matrix = M): PerClassRun {
  return { seed, perClassAp: { bbox: ap, segm: {} }, transfer: { bbox: matrix } };
}

describe('perClassRows', () => {
  it('pairs AP by seed, averages the share over CRAT runs, keeps rare and common only', () => {
    const without: PerClassRun[] = [
      { seed: 0, perClassAp: { bbox: { '2': 0.1, '4': 0.0 }, segm: {} }, transfer: {} },
      { seed: 1, perClassAp: { bbox: { '2': 0.3 }, segm: {} }, transfer: {} },
      { seed: 2, perClassAp: { bbox: { '2': 0.9 }, segm: {} }, transfer: {} }, // no CRAT seed 2
    ];
    // Seed 1's matrix: class 3 (label 3) receives only from class 2 (star): share 1.
    const m1 = M.map((r) => [...r]);
    m1[0]![3] = 0;
    const withIt = [crat(0, { '2': 0.2, '4': 0.1 }), crat(1, { '2': 0.5, '4': 0.4 }, m1)];
    const rows = perClassRows(
      CLASSES,
      new Map([
        [2, 40],
        [3, 12],
        [4, 3],
      ]),
      without,
      withIt,
    );
    expect(rows.map((r) => r.name)).toEqual(['blue_disc', 'red_star', 'blue_star']);
    const disc = rows[0]!;
    expect(disc.trainInstances).toBe(40);
    expect(disc.bbox!.seeds).toBe(2);
    expect(disc.bbox!.without).toBeCloseTo(0.2, 12);
    expect(disc.bbox!.with).toBeCloseTo(0.35, 12);
    expect(disc.share.bbox).toBeCloseTo(0.75, 12);
    expect(disc.share.mask).toBeNull();
    expect(disc.segm).toBeNull();
    const star = rows[2]!;
    // Seed 1 has no AP for class 4 without CRAT: one paired seed.
    expect(star.bbox).toEqual({ seeds: 1, without: 0, with: 0.1 });
    expect(star.share.bbox).toBeCloseTo((0.5 + 1) / 2, 12);
    expect(rows[1]!.share.bbox).toBeNull(); // red_star (label 2) received no transfer

    const md = formatPerClassTable(rows).split('\n');
    // Rare first, then common by training count.
    expect(md[2]).toMatch(/^\| blue_star \| r \| star \| 3 \| 0\.0 \| 10\.0 \| \+10\.0 \|/);
    expect(md[3]).toMatch(/^\| red_star \| c \| star \| 12 \| n\/a/);
    expect(md[4]).toMatch(
      /^\| blue_disc \| c \| disc \| 40 \| 20\.0 \| 35\.0 \| \+15\.0 \|.* 75\.0 \| n\/a \|$/,
    );

    const summary = summarizeShares(rows);
    expect(summary[0]).toMatchObject({ frequency: 'r', classes: 1, mask: null });
    expect(summary[0]!.bbox).toBeCloseTo(0.75, 12);
    expect(summary[1]!.bbox).toBeCloseTo(0.75, 12); // only blue_disc received weight
    expect(formatShareSummary(summary)).toContain('rare (1 class): 75.0 % (box), n/a % (mask)');
    // blue_star (label 3): seed 0 volume chance 3/8, seed 1 (class 0 sends 3) 3/6: mean 0.4375.
    expect(summary[0]!.volumeChance.bbox).toBeCloseTo((3 / 8 + 3 / 6) / 2, 12);
    expect(summary[0]!.volumeChance.mask).toBeNull();
    expect(formatShareSummary(summary)).toContain(
      '43.8 % (box) / n/a % (mask) by what each class sent',
    );
    expect(summary[0]!.look).toBeNull(); // these classes have no looks
    expect(formatLookSummary(summary)).toBeNull();
  });

  it('adds the same-look share when every class has a look', () => {
    // Looks: red (labels 0, 2) and blue (1, 3), across the two families.
    const looks = ['red', 'blue', 'blue', 'red'];
    const withLooks = CLASSES.map((c) => ({ ...c, look: looks[c.id - 1]! }));
    const rows = perClassRows(withLooks, new Map(), [], [crat(0, {})]);
    // blue_star (label 3, red): it got 2 from class 0 (red) and 2 from class 2 (blue): 0.5.
    // What was sent: class 0 5 (red), class 2 3 (blue): volume chance 5/8.
    const star = rows.find((r) => r.name === 'blue_star')!;
    expect(star.look!.share.bbox).toBeCloseTo(0.5, 12);
    expect(star.look!.volumeChance.bbox).toBeCloseTo(5 / 8, 12);
    const text = formatLookSummary(summarizeShares(rows))!;
    expect(text).toContain('rare (1 class): 50.0 % (box), n/a % (mask) from the own look');
    expect(text).toContain('62.5 % (box) / n/a % (mask) by what each class sent');
  });
});
