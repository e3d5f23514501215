import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectClose, expectScalarClose, fixturesDir } from '../src/index.js';

describe('fixture helpers', () => {
  it('finds the fixture folder', () => {
    expect(existsSync(join(fixturesDir(), 'losses'))).toBe(true);
  });

  it('applies 1e-5·|e| + 1e-5·max|e| over the whole array', () => {
    // 1e-5 of the largest entry (1) covers a 5e-6 error on a near-zero entry...
    expectClose([1, 1e-9 + 5e-6], [1, 1e-9], 'near zero');
    // ...but not a 3e-5 one, and shapes must match.
    expect(() => expectClose([1, 3e-5], [1, 0], 'too far')).toThrow(/too far\[1\]/);
    expect(() => expectClose([[1, 2]], [[1, 2, 3]], 'shape')).toThrow(/length/);
  });

  it('compares scalars relatively', () => {
    expectScalarClose(1000.005, 1000, 'loss');
    expect(() => expectScalarClose(1000.02, 1000, 'loss')).toThrow(/loss: got/);
  });
});
