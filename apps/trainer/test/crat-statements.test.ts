import { describe, expect, it } from 'vitest';
import { aprStatements, publishedClaimStatement } from '../src/bench/crat-statements.js';
import type { ExperimentRun } from '../src/bench/experiments-table.js';

const run = (name: string, seed: number, boxApr: number, maskApr: number): ExperimentRun => ({
  name,
  seed,
  bbox: { AP: 0.1, APr: boxApr, APc: 0.1, APf: 0.1 },
  segm: { AP: 0.1, APr: maskApr, APc: 0.1, APf: 0.1 },
  seconds: 600,
});

// Box APr differences +1.0, +1.0, +0.9 points: mean 0.967, sd 0.0577, t(2) 4.303, so the
// interval is 0.967 ± 0.143 = [0.82, 1.11]. Mask APr differences +2, -1, 0: it holds zero.
const RUNS = [
  run('EQLv2', 0, 0.02, 0.03),
  run('EQLv2', 1, 0.03, 0.04),
  run('EQLv2', 2, 0.025, 0.02),
  run('EQLv2 + CRAT', 0, 0.03, 0.05),
  run('EQLv2 + CRAT', 1, 0.04, 0.03),
  run('EQLv2 + CRAT', 2, 0.034, 0.02),
  run('CE', 0, 0.02, 0.02),
  run('CE + CRAT', 0, 0.01, 0.02),
];
const PAIRS = [
  { base: 'CE', row: 'CE + CRAT' },
  { base: 'EQLv2', row: 'EQLv2 + CRAT' },
  { base: 'Seesaw', row: 'Seesaw + CRAT' },
];

describe('CRAT statements', () => {
  it('says per loss whether the APr interval excludes zero, and waits for a second seed', () => {
    const s = aprStatements(RUNS, PAIRS);
    expect(s).toHaveLength(2); // Seesaw did not run
    expect(s[0]).toBe(
      '- **CE**: CRAT changes box APr by −1.0 and mask APr by +0.0 AP points (1 paired seed: no interval, so no statement yet).',
    );
    expect(s[1]).toContain('box APr by +1.0 [+0.8, +1.1]');
    expect(s[1]).toContain('over 3 paired seeds');
    expect(s[1]).toContain(
      'on box APr it is distinguishable from zero (the interval is above zero)',
    );
    expect(s[1]).toContain('on mask APr it is not distinguishable from zero');
  });

  it('reads the published +3.0 against the baseline and the measured interval', () => {
    const s = publishedClaimStatement(RUNS, { base: 'EQLv2', row: 'EQLv2 + CRAT' });
    // Box: baseline 2.5, so +3.0 is 2.5 -> 5.5 (2.2x), above [0.8, 1.1]: excluded.
    expect(s).toContain('on box APr it would take `EQLv2` from 2.5 to 5.5 (2.2x)');
    expect(s).toContain('above the measured interval +1.0 [+0.8, +1.1], so these 3 seeds exclude');
    // Mask: differences +2, -1, 0 points: mean 0.33, sd 1.53, half-width 3.79: +3.0 inside.
    expect(s).toContain('inside the measured interval +0.3 [−3.5, +4.1]');
    expect(publishedClaimStatement(RUNS, { base: 'CE', row: 'CE + CRAT' })).toBeNull();
  });
});
