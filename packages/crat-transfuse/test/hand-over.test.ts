import {
  type BoxToMaskHandOver,
  newTransferStepContext,
  type TransferStepContext,
} from '@crat/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CratBoxTransfer, CratMaskTransfer } from '../src/index.js';
import { useBackend } from './backends.js';
import { disposeStep, syntheticStep } from './synthetic.js';

const C = 5;

function handOver(iteration: number, classWeights: number[][], transferWeights = classWeights) {
  const cw = tf.tensor2d(classWeights);
  const tw = transferWeights === classWeights ? cw : tf.tensor2d(transferWeights);
  const h: BoxToMaskHandOver = {
    iteration,
    numPositives: classWeights.length,
    classWeights: cw,
    transferWeights: tw,
  };
  return h;
}

const maskLoss = async (
  mask: CratMaskTransfer,
  inputs: ReturnType<typeof syntheticStep>['mask'],
  ctx: TransferStepContext,
) => {
  const l = (await mask.losses(inputs, ctx)).loss_mask_trans;
  const v = (await l.data())[0];
  l.dispose();
  return v;
};

describe('the typed bbox → mask hand-over (ctx.boxToMask)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it("crat-bbox hands over this step's [P, C] weights; crat-mask reads exactly them", async () => {
    const s = syntheticStep(21, 6, C);
    const box = new CratBoxTransfer(C, { mode: 'exact' });
    const mask = new CratMaskTransfer(C, { mode: 'exact' });
    const ctx = newTransferStepContext(4);
    expect(ctx.boxToMask).toBeNull();
    tf.dispose((await box.losses(s.box, ctx)).loss_bbox_trans);
    const h = ctx.boxToMask;
    expect(h).not.toBeNull();
    expect(h!.iteration).toBe(4);
    expect(h!.numPositives).toBe(6);
    expect(h!.classWeights.shape).toEqual([6, C]);
    expect(h!.transferWeights.shape).toEqual([6, C]);
    // The same weights handed over by hand give the same mask loss: the mask reads nothing else.
    const copy = handOver(4, h!.classWeights.arraySync(), h!.transferWeights.arraySync());
    const twin = new CratMaskTransfer(C, { mode: 'exact' });
    expect(await maskLoss(twin, s.mask, { iteration: 4, boxToMask: copy })).toBe(
      await maskLoss(mask, s.mask, ctx),
    );
    tf.dispose([copy.classWeights, copy.transferWeights]);
    for (const x of [box, mask, twin]) x.dispose();
    disposeStep(s);
  });

  it('maskUnseenClasses picks which of the two handed-over weights the mask applies', async () => {
    const s = syntheticStep(22, 3, C);
    const a = [
      [0, 0.5, 0.5, 0, 0],
      [0.2, 0, 0.3, 0.5, 0],
      [0.1, 0.1, 0.1, 0.1, 0],
    ];
    const b = [
      [0, 1, 0, 0, 0],
      [0, 0, 0, 1, 0],
      [0, 0, 0.4, 0, 0],
    ];
    const both = handOver(0, a, b);
    const onlyA = handOver(0, a);
    const onlyB = handOver(0, b);
    const loss = (maskUnseenClasses: boolean, h: BoxToMaskHandOver) =>
      maskLoss(new CratMaskTransfer(C, { maskUnseenClasses }), s.mask, {
        iteration: 0,
        boxToMask: h,
      });
    expect(await loss(false, both)).toBe(await loss(false, onlyA));
    expect(await loss(true, both)).toBe(await loss(true, onlyB));
    expect(await loss(false, both)).not.toBe(await loss(true, both));
    tf.dispose([both.classWeights, both.transferWeights, onlyA.classWeights, onlyB.classWeights]);
    disposeStep(s);
  });

  it('crat-mask refuses weights of another step, another RoI count or already released', async () => {
    const s = syntheticStep(23, 4, C);
    const mask = new CratMaskTransfer(C);
    const w = Array.from({ length: 4 }, () => [0.2, 0.2, 0.2, 0.2, 0.2]);
    const stale = handOver(1, w);
    await expect(mask.losses(s.mask, { iteration: 2, boxToMask: stale })).rejects.toThrowError(
      /crat-mask: the bbox branch's weights are from iteration 1, this is iteration 2/,
    );
    const short = handOver(2, w.slice(0, 3));
    await expect(mask.losses(s.mask, { iteration: 2, boxToMask: short })).rejects.toThrowError(
      /handed over weights for 3 positive RoIs, the mask branch has 4/,
    );
    const released = handOver(2, w);
    released.classWeights.dispose();
    await expect(mask.losses(s.mask, { iteration: 2, boxToMask: released })).rejects.toThrowError(
      RangeError,
    );
    await expect(mask.losses(s.mask, newTransferStepContext(2))).rejects.toThrowError(
      /handed nothing over .*enable 'crat-bbox'/,
    );
    // A context made by hand without the field reads as nothing handed over, not a crash.
    const bare = { iteration: 2 } as TransferStepContext;
    await expect(mask.losses(s.mask, bare)).rejects.toThrowError(/enable 'crat-bbox'/);
    tf.dispose([stale.classWeights, short.classWeights]);
    mask.dispose();
    disposeStep(s);
  });

  it("crat-bbox releases a step's hand-over at its next step and on dispose (no tensor growth)", async () => {
    const box = new CratBoxTransfer(C);
    const handed: BoxToMaskHandOver[] = [];
    const counts: number[] = [];
    for (let it = 0; it < 4; it++) {
      const s = syntheticStep(30 + it, 5, C);
      const ctx = newTransferStepContext(it);
      tf.dispose((await box.losses(s.box, ctx)).loss_bbox_trans);
      handed.push(ctx.boxToMask!);
      disposeStep(s);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts.slice(1)).size).toBe(1);
    for (const h of handed.slice(0, -1)) expect(h.classWeights.isDisposed).toBe(true);
    const last = handed.at(-1)!;
    expect(last.classWeights.isDisposed).toBe(false);
    box.dispose();
    expect(last.classWeights.isDisposed).toBe(true);
    expect(last.transferWeights.isDisposed).toBe(true);
  });
});
