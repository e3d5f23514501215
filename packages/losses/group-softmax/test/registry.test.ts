import { classificationLosses, RegistryError } from '@crat/core';
import { describe, expect, it } from 'vitest';
import { GROUP_SOFTMAX_DEFAULTS, GroupSoftmaxLoss } from '../src/index.js';

const init = { numClasses: 4, classInstanceCounts: [3, 30, 300, 3000] };

describe('group-softmax in the classification-loss registry', () => {
  it('is built from {type, ...options} with every option defaulted', () => {
    const loss = classificationLosses.create({ type: 'group-softmax', beta: 4 }, init);
    expect(loss).toBeInstanceOf(GroupSoftmaxLoss);
    // C + 1 + G with G = binSplit.length + 2.
    expect(loss.numLogits).toBe(4 + 1 + 5);
    expect((loss as GroupSoftmaxLoss).options).toEqual({ ...GROUP_SOFTMAX_DEFAULTS, beta: 4 });
    const described = classificationLosses.describe().find((d) => d.type === 'group-softmax');
    expect(described?.defaults).toEqual(GROUP_SOFTMAX_DEFAULTS);
  });

  it('rejects an unknown option, naming it and the valid ones', () => {
    const build = () =>
      classificationLosses.create({ type: 'group-softmax', bins: [1] }, init, 'cfg.ts: loss');
    expect(build).toThrowError(RegistryError);
    expect(build).toThrowError(
      /cfg\.ts: loss: unknown option 'bins' for classification loss 'group-softmax'\. Valid options: beta, binSplit, lossWeight, seed/,
    );
  });

  it('rejects a bad option value', () => {
    expect(() =>
      classificationLosses.create({ type: 'group-softmax', binSplit: [100, 10] }, init),
    ).toThrowError(/option 'binSplit' must be an increasing array/);
  });
});
