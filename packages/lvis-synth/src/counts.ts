// The long tail's shape: images per class rank, and LVIS's rare/common/frequent rule.

import type { Frequency } from 'lvis-ts-types';

/**
 * Images per class rank: geometric (a straight line on a log scale) from `max` at rank 0
 * down to `min` at the last rank, which gives LVIS-like thirds of frequent, common and
 * rare classes for max in the hundreds and min 1.
 */
export function longTailCounts(numClasses: number, max: number, min: number): number[] {
  if (numClasses === 1) return [max];
  return Array.from({ length: numClasses }, (_, r) => {
    const t = r / (numClasses - 1);
    return Math.max(1, Math.round(Math.exp((1 - t) * Math.log(max) + t * Math.log(min))));
  });
}

/** The LVIS rule on training image counts: r 1-10, c 11-100, f > 100. */
export function lvisFrequency(trainImageCount: number): Frequency {
  if (trainImageCount > 100) return 'f';
  if (trainImageCount > 10) return 'c';
  return 'r';
}
