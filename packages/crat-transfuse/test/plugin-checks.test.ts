import { newTransferStepContext } from '@crat/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CratBoxTransfer, CratMaskTransfer, CratStateError } from '../src/index.js';
import { useBackend } from './backends.js';
import { disposeStep, syntheticStep } from './synthetic.js';

const C = 4;

describe('checks both CRAT plug-ins make (CratTransferBase)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('refuses a bad class count, the wrong branch, another class count and a non-positive avgFactor', async () => {
    expect(() => new CratBoxTransfer(0)).toThrowError(
      /crat-bbox: numClasses must be a positive integer, got 0/,
    );
    expect(() => new CratMaskTransfer(2.5)).toThrowError(/crat-mask: numClasses must be/);
    const s = syntheticStep(5, 3, C);
    const box = new CratBoxTransfer(C);
    const mask = new CratMaskTransfer(C, { weightsFrom: 'mask' });
    const ctx = newTransferStepContext(0);
    await expect(box.losses(s.mask, ctx)).rejects.toThrowError(
      /crat-bbox: attached to the 'mask' branch, expected 'bbox'/,
    );
    await expect(mask.losses(s.box, ctx)).rejects.toThrowError(
      /crat-mask: attached to the 'bbox' branch, expected 'mask'/,
    );
    await expect(new CratBoxTransfer(C + 1).losses(s.box, ctx)).rejects.toThrowError(
      /crat-bbox: inputs.numClasses = 4, but the plug-in was built for 5/,
    );
    await expect(mask.losses({ ...s.mask, avgFactor: 0 }, ctx)).rejects.toThrowError(
      /crat-mask: inputs.avgFactor must be > 0, got 0/,
    );
    box.dispose();
    mask.dispose();
    disposeStep(s);
  });

  it("refuses the other plug-in's state and a state of another class count", async () => {
    const box = new CratBoxTransfer(C);
    const mask = new CratMaskTransfer(C);
    expect((await box.getState()).format).toBe('crat-transfuse/bbox/v1');
    expect((await mask.getState()).format).toBe('crat-transfuse/mask/v1');
    const boxState = await box.getState();
    expect(() => mask.setState(boxState)).toThrowError(CratStateError);
    expect(() => mask.setState(boxState)).toThrowError(
      /crat-mask: state.format is "crat-transfuse\/bbox\/v1", expected 'crat-transfuse\/mask\/v1'/,
    );
    const wider = await new CratBoxTransfer(C + 1).getState();
    expect(() => box.setState(wider)).toThrowError(
      /crat-bbox: state.numClasses is 5, the plug-in has 4/,
    );
  });
});
