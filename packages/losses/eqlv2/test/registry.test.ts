import { classificationLosses, RegistryError } from '@crat/core';
import { describe, expect, it } from 'vitest';
import { EQLV2_DEFAULTS, EQLv2Loss } from '../src/index.js';

describe('eqlv2 in the classification-loss registry', () => {
  it('is built from {type, ...options} with every option defaulted', () => {
    const loss = classificationLosses.create({ type: 'eqlv2', gamma: 10 }, { numClasses: 5 });
    expect(loss).toBeInstanceOf(EQLv2Loss);
    expect(loss.numLogits).toBe(6);
    expect((loss as EQLv2Loss).options).toEqual({ ...EQLV2_DEFAULTS, gamma: 10 });
    const described = classificationLosses.describe().find((d) => d.type === 'eqlv2');
    expect(described?.defaults).toEqual(EQLV2_DEFAULTS);
  });

  it('rejects an unknown option, naming it and the valid ones', () => {
    const build = () =>
      classificationLosses.create({ type: 'eqlv2', beta: 2 }, { numClasses: 5 }, 'cfg.ts: loss');
    expect(build).toThrowError(RegistryError);
    expect(build).toThrowError(
      /cfg\.ts: loss: unknown option 'beta' for classification loss 'eqlv2'\. Valid options: gamma, mu, alpha, lossWeight, testWithObj/,
    );
  });

  it('rejects a bad option value', () => {
    expect(() =>
      classificationLosses.create({ type: 'eqlv2', gamma: 'high' }, { numClasses: 5 }),
    ).toThrowError(/option 'gamma' must be a finite number/);
  });
});
