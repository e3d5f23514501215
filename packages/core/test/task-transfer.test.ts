import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  type BoxToMaskHandOver,
  type LossTerms,
  newTransferStepContext,
  type TaskTransfer,
  type TaskTransferInputs,
  type TransferDiagnosticsOptions,
  type TransferStepContext,
} from '../src/index.js';

/** Two minimal plug-ins that talk only through the typed hand-over, as CRAT's do. */
function handOverPair(): { box: TaskTransfer; mask: TaskTransfer; seen: BoxToMaskHandOver[] } {
  const seen: BoxToMaskHandOver[] = [];
  const stateless = { getState: () => ({}), setState: () => undefined };
  const box: TaskTransfer = {
    ...stateless,
    type: 'test-box',
    branch: 'bbox',
    losses(inputs: TaskTransferInputs, ctx: TransferStepContext): LossTerms {
      const p = inputs.labels.shape[0];
      const w = tf.fill([p, inputs.numClasses], 0.5) as tf.Tensor2D;
      ctx.boxToMask = {
        iteration: ctx.iteration,
        numPositives: p,
        classWeights: w,
        transferWeights: w,
      };
      return { loss_box_test: tf.scalar(0) };
    },
  };
  const mask: TaskTransfer = {
    ...stateless,
    type: 'test-mask',
    branch: 'mask',
    losses(_inputs: TaskTransferInputs, ctx: TransferStepContext): LossTerms {
      if (ctx.boxToMask === null) throw new Error('nothing handed over');
      seen.push(ctx.boxToMask);
      return { loss_mask_test: tf.sum(ctx.boxToMask.classWeights) as tf.Scalar };
    },
    diagnostics: (options?: TransferDiagnosticsOptions) => ({ asked: options ?? null }),
  };
  return { box, mask, seen };
}

function inputsFor(branch: 'bbox' | 'mask', p: number, c: number): TaskTransferInputs {
  return {
    branch,
    numClasses: c,
    features: tf.zeros([p, 2]),
    labels: tf.zeros([p], 'int32') as tf.Tensor1D,
    labelValues: new Int32Array(p),
    predictions: tf.zeros([p, c]),
    targets: tf.zeros([p, 4]),
    kernel: tf.zeros([2, c]),
    avgFactor: 1,
  };
}

describe('TransferStepContext', () => {
  it('starts each step with nothing handed over', () => {
    const ctx = newTransferStepContext(12);
    expect(ctx).toEqual({ iteration: 12, boxToMask: null });
    expect(newTransferStepContext(13).boxToMask).toBeNull();
  });

  it('carries what the bbox transfer set to the mask transfer of the same step', async () => {
    const { box, mask, seen } = handOverPair();
    const ctx = newTransferStepContext(3);
    const bIn = inputsFor('bbox', 4, 5);
    const mIn = inputsFor('mask', 4, 5);
    await box.losses(bIn, ctx);
    const loss = (await mask.losses(mIn, ctx)).loss_mask_test;
    expect(loss.dataSync()[0]).toBe(10);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.iteration).toBe(3);
    expect(seen[0]!.numPositives).toBe(4);
    expect(seen[0]!.classWeights.shape).toEqual([4, 5]);
    // A fresh step's context does not see the last step's hand-over.
    expect(() => mask.losses(mIn, newTransferStepContext(4))).toThrow(/nothing handed over/);
    expect(mask.diagnostics?.({ classFrequencies: ['r', 'f'], keep: ['r'] })).toEqual({
      asked: { classFrequencies: ['r', 'f'], keep: ['r'] },
    });
    tf.dispose([loss, seen[0]!.classWeights, ...Object.values(bIn), ...Object.values(mIn)]);
  });
});
