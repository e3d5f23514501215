import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newTransferStepContext, type PluginState, RegistryError, taskTransfers } from '@crat/core';
import { valueAndGradAsync } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CRAT_BOX_DEFAULTS,
  CRAT_MASK_DEFAULTS,
  CratBoxTransfer,
  CratMaskTransfer,
  CratOptionError,
} from '../src/index.js';
import { BACKENDS, useBackend } from './backends.js';
import { disposeStep, syntheticStep } from './synthetic.js';

const C = 6;

async function runBoth(
  box: CratBoxTransfer,
  mask: CratMaskTransfer,
  seed: number,
  iteration: number,
  p = 7,
) {
  const s = syntheticStep(seed, p, C);
  const ctx = newTransferStepContext(iteration);
  const bl = (await box.losses(s.box, ctx)).loss_bbox_trans;
  const ml = (await mask.losses(s.mask, ctx)).loss_mask_trans;
  const out = { box: (await bl.data())[0], mask: (await ml.data())[0], ctx, step: s };
  tf.dispose([bl, ml]);
  return out;
}

describe.each(BACKENDS)('CRAT plug-in behaviour (%s)', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('a batch whose positives all share one class updates that class only', async () => {
    for (const mode of ['reference', 'exact', 'exact-fisher'] as const) {
      const box = new CratBoxTransfer(C, { mode });
      const mask = new CratMaskTransfer(C, { mode });
      const s = syntheticStep(3, 4, C);
      const labels = tf.fill([4], 2, 'int32') as tf.Tensor1D;
      const labelValues = new Int32Array(4).fill(2);
      const ctx = newTransferStepContext(0);
      const bl = (await box.losses({ ...s.box, labels, labelValues }, ctx)).loss_bbox_trans;
      const ml = (await mask.losses({ ...s.mask, labels, labelValues }, ctx)).loss_mask_trans;
      expect(Number.isFinite(bl.dataSync()[0])).toBe(true);
      expect(Number.isFinite(ml.dataSync()[0])).toBe(true);
      const fisher = box.fisher!.arraySync() as number[][];
      fisher.forEach((row, c) => {
        const nonZero = row.some((v) => v !== 0);
        expect(nonZero).toBe(c === 2);
      });
      tf.dispose([bl, ml, labels]);
      disposeStep(s);
    }
  });

  it('a batch without positives adds zero-valued, differentiable terms and leaves the Fisher alone', async () => {
    for (const mode of ['reference', 'exact', 'exact-fisher'] as const) {
      const box = new CratBoxTransfer(C, { mode });
      const mask = new CratMaskTransfer(C, { mode });
      disposeStep((await runBoth(box, mask, 1, 0)).step);
      const fisherBefore = Array.from(box.fisher!.dataSync());
      const maskFisherBefore = Array.from(mask.fisher!.dataSync());
      const s = syntheticStep(2, 0, C);
      const ctx = newTransferStepContext(1);
      const gb = await valueAndGradAsync(
        async (p: tf.Tensor) =>
          (await box.losses({ ...s.box, predictions: p }, ctx)).loss_bbox_trans,
        s.box.predictions,
      );
      const gm = await valueAndGradAsync(
        async (p: tf.Tensor) =>
          (await mask.losses({ ...s.mask, predictions: p }, ctx)).loss_mask_trans,
        s.mask.predictions,
      );
      expect(gb.value.dataSync()[0]).toBe(0);
      expect(gm.value.dataSync()[0]).toBe(0);
      expect(gb.grad.shape).toEqual([0, C * 4]);
      expect(Array.from(box.fisher!.dataSync())).toEqual(fisherBefore);
      expect(Array.from(mask.fisher!.dataSync())).toEqual(maskFisherBefore);
      tf.dispose([gb.value, gm.value, gb.grad, gm.grad]);
      disposeStep(s);
      box.dispose();
      mask.dispose();
    }
  });

  it('state round-trips through JSON and the resumed run continues exactly; tensor count stays flat', async () => {
    const opts = { mode: 'exact' as const };
    const a = new CratBoxTransfer(C, opts);
    const am = new CratMaskTransfer(C, opts);
    const b = new CratBoxTransfer(C, opts);
    const bm = new CratMaskTransfer(C, opts);
    const first = [await runBoth(a, am, 10, 0), await runBoth(b, bm, 10, 0)];
    for (const r of first) disposeStep(r.step);
    const saved: PluginState = JSON.parse(JSON.stringify(await b.getState()));
    const savedMask: PluginState = JSON.parse(JSON.stringify(await bm.getState()));
    b.dispose();
    bm.dispose();
    const c = new CratBoxTransfer(C, opts);
    const cm = new CratMaskTransfer(C, opts);
    c.setState(saved);
    cm.setState(savedMask);
    expect(Array.from(c.fisher!.dataSync())).toEqual(Array.from(a.fisher!.dataSync()));
    let tensorsAfterStep: number[] = [];
    for (let it = 1; it <= 4; it++) {
      const ra = await runBoth(a, am, 10 + it, it);
      const rc = await runBoth(c, cm, 10 + it, it);
      expect(rc.box).toBe(ra.box);
      expect(rc.mask).toBe(ra.mask);
      disposeStep(ra.step);
      disposeStep(rc.step);
      tensorsAfterStep = [...tensorsAfterStep, tf.memory().numTensors];
    }
    expect(new Set(tensorsAfterStep.slice(1)).size).toBe(1);
    expect(Array.from(c.fisher!.dataSync())).toEqual(Array.from(a.fisher!.dataSync()));
    expect(Array.from(cm.fisher!.dataSync())).toEqual(Array.from(am.fisher!.dataSync()));
    expect(c.diagnostics()).toEqual(a.diagnostics());
    expect(Array.from(c.transferMatrix())).toEqual(Array.from(a.transferMatrix()));
    for (const x of [a, am, c, cm]) x.dispose();
  });

  it('mask-only CRAT builds weights from the mask Fisher; weightsFrom bbox without crat-bbox is a clear error', async () => {
    const s = syntheticStep(3, 6, C);
    const only = new CratMaskTransfer(C, { weightsFrom: 'mask' });
    const loss = (await only.losses(s.mask, newTransferStepContext(0))).loss_mask_trans;
    expect(loss.dataSync()[0]).toBeGreaterThan(0);
    const needsBox = new CratMaskTransfer(C);
    await expect(needsBox.losses(s.mask, newTransferStepContext(0))).rejects.toThrow(
      /enable 'crat-bbox'/,
    );
    tf.dispose(loss);
    disposeStep(s);
    only.dispose();
  });

  it('diagnostics: transfer matrix and top RoIs match the weights the bbox branch applied', async () => {
    const box = new CratBoxTransfer(C, { mode: 'exact', diagnosticsTopK: 3 });
    const expected = new Float64Array(C * C);
    const applied: { w: number; source: number; target: number; imageId: number }[] = [];
    for (let it = 0; it < 3; it++) {
      const s = syntheticStep(40 + it, 9, C);
      const ctx = newTransferStepContext(it);
      tf.dispose((await box.losses(s.box, ctx)).loss_bbox_trans);
      const handedOver = ctx.boxToMask;
      if (handedOver === null) throw new Error('nothing handed over');
      const w = handedOver.transferWeights.dataSync();
      s.labels.forEach((y, n) => {
        for (let t = 0; t < C; t++) {
          expected[y * C + t] += w[n * C + t];
          if (w[n * C + t] > 0)
            applied.push({ w: w[n * C + t], source: y, target: t, imageId: s.roiInfo.imageIds[n] });
        }
      });
      disposeStep(s);
    }
    const got = box.transferMatrix();
    // Same float32 weights summed in float64 in the same order: equal exactly.
    expect(Array.from(got)).toEqual(Array.from(expected));
    const diag = box.diagnostics();
    expect(diag.steps).toBe(3);
    for (const t of diag.targets) {
      const best = applied.filter((a) => a.target === t.target).sort((x, y) => y.w - x.w);
      expect(t.topRois.map((r) => r.weight)).toEqual(best.slice(0, 3).map((b) => b.w));
      expect(t.topRois[0].sourceClass).toBe(best[0].source);
      expect(t.topRois[0].imageId).toBe(best[0].imageId);
      expect(t.topRois[0].box).toHaveLength(4);
    }
    const dir = mkdtempSync(join(tmpdir(), 'crat-diag-'));
    const freqs = Array.from({ length: C }, (_, i) => ['r', 'c', 'f'][i % 3]);
    await box.writeDiagnostics(join(dir, 'crat.json'), { classFrequencies: freqs });
    expect(readdirSync(dir)).toEqual(['crat.json']);
    const written = JSON.parse(readFileSync(join(dir, 'crat.json'), 'utf8'));
    expect(written).toEqual(box.diagnostics({ classFrequencies: freqs }));
    expect(
      written.targets.every(
        (t: { frequency: string }) => t.frequency === 'r' || t.frequency === 'c',
      ),
    ).toBe(true);
    expect(written.targets.length).toBeGreaterThan(0);
    box.dispose();
  });
});

describe('registration', () => {
  it('registers crat-bbox and crat-mask with every option in defaults', async () => {
    const described = taskTransfers.describe();
    const box = described.find((d) => d.type === 'crat-bbox');
    const mask = described.find((d) => d.type === 'crat-mask');
    expect(box?.defaults).toEqual(CRAT_BOX_DEFAULTS);
    expect(mask?.defaults).toEqual(CRAT_MASK_DEFAULTS);
    const created = taskTransfers.create(
      { type: 'crat-bbox', mode: 'reference', lossWeight: 0.002 },
      { numClasses: 3, branch: 'bbox' },
    );
    expect(created).toBeInstanceOf(CratBoxTransfer);
    expect((created as CratBoxTransfer).options.mode).toBe('reference');
    expect((created as CratBoxTransfer).options.lossWeight).toBe(0.002);
    expect(
      taskTransfers.create({ type: 'crat-mask' }, { numClasses: 3, branch: 'mask' }),
    ).toBeInstanceOf(CratMaskTransfer);
    expect(() =>
      taskTransfers.create({ type: 'crat-bbox', temprature: 1 }, { numClasses: 3, branch: 'bbox' }),
    ).toThrow(RegistryError);
    expect(() =>
      taskTransfers.create({ type: 'crat-bbox', mode: 'fast' }, { numClasses: 3, branch: 'bbox' }),
    ).toThrow(CratOptionError);
    expect(() =>
      taskTransfers.create({ type: 'crat-mask' }, { numClasses: 3, branch: 'bbox' }),
    ).toThrow(/mask branch/);
  });
});
