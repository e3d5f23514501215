import type { IouType, LVISEvalParams } from 'lvis-ts-types';

/**
 * numpy's `linspace(start, stop, num)` value for value: `i * step + start` with
 * `step = (stop - start) / (num - 1)`, and the last point exactly `stop`. Thresholds are
 * compared for equality (AP50, AP75), so the float arithmetic must be the same.
 */
export function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(i * step + start);
  if (num > 1) out[num - 1] = stop;
  return out;
}

/** The official `lvis.eval.Params` defaults; image and category ids are filled from the data. */
export function defaultParams(iouType: IouType): LVISEvalParams {
  return {
    iouType,
    imgIds: [],
    catIds: [],
    iouThrs: linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1),
    recThrs: linspace(0.0, 1.0, Math.round((1.0 - 0.0) / 0.01) + 1),
    maxDets: 300,
    areaRng: [
      [0 ** 2, 1e5 ** 2],
      [0 ** 2, 32 ** 2],
      [32 ** 2, 96 ** 2],
      [96 ** 2, 1e5 ** 2],
    ],
    areaRngLbl: ['all', 'small', 'medium', 'large'],
    useCats: true,
    imgCountLbl: ['r', 'c', 'f'],
  };
}
