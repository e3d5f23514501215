import { classificationLosses, RegistryError } from '@crat/core';
import { describe, expect, it } from 'vitest';
import { SEESAW_DEFAULTS, SeesawLoss } from '../src/index.js';

describe('seesaw in the classification-loss registry', () => {
  it("builds {type: 'seesaw', p: 0.8, q: 2} with every option defaulted", () => {
    const loss = classificationLosses.create({ type: 'seesaw', p: 0.8, q: 2 }, { numClasses: 7 });
    expect(loss).toBeInstanceOf(SeesawLoss);
    expect(loss.numLogits).toBe(9);
    expect((loss as SeesawLoss).options).toEqual({ ...SEESAW_DEFAULTS, p: 0.8, q: 2 });
    const described = classificationLosses.describe().find((d) => d.type === 'seesaw');
    expect(described?.defaults).toEqual(SEESAW_DEFAULTS);
  });

  it('rejects an unknown option, naming it and the valid ones', () => {
    const build = () =>
      classificationLosses.create(
        { type: 'seesaw', p: 0.8, r: 3 },
        { numClasses: 7 },
        'cfg.ts: loss',
      );
    expect(build).toThrowError(RegistryError);
    expect(build).toThrowError(
      /cfg\.ts: loss: unknown option 'r' for classification loss 'seesaw'\. Valid options: p, q, eps, lossWeight/,
    );
  });

  it('rejects a bad option value', () => {
    expect(() =>
      classificationLosses.create({ type: 'seesaw', eps: 0 }, { numClasses: 7 }),
    ).toThrowError(/option 'eps' must be > 0/);
  });
});
