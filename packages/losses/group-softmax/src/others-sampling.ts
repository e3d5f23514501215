// Which rows each group trains on this step (BAGS' "others" subsampling), drawn by a seeded
// sampler whose position a checkpoint carries.

import { Rng } from '@crat/core';

/**
 * Chooses which "others" rows of a foreground group are kept: must return exactly `count`
 * distinct entries of `others` (row indices). The default draws uniformly without
 * replacement from a seeded generator; tests and experiments can inject their own.
 */
export type OthersSampler = (others: Int32Array, count: number, group: number) => ArrayLike<number>;

/** Which rule set a group's row weights this step. */
export type GroupWeightMode =
  | 'background_group_all_ones'
  | 'no_foreground_in_group'
  | 'all_others_kept'
  | 'others_randomly_subsampled';

export interface GroupSampleWeights {
  /** `[G][N]` 0/1 row weights. */
  weights: Float32Array[];
  modes: GroupWeightMode[];
}

/**
 * BAGS' per-group row weights: the background group keeps every row; a foreground group
 * with no foreground row contributes nothing; otherwise its foreground rows are kept with
 * `floor(fg · beta)` of its "others" rows (all of them when there are no more than that).
 */
export function groupSampleWeights(
  groupLabels: Int32Array[],
  beta: number,
  sampler: OthersSampler,
): GroupSampleWeights {
  const numGroups = groupLabels.length;
  const weights: Float32Array[] = [];
  const modes: GroupWeightMode[] = [];
  for (let g = 0; g < numGroups; g++) {
    const labels = groupLabels[g];
    const n = labels.length;
    if (g === numGroups - 1) {
      weights.push(new Float32Array(n).fill(1));
      modes.push('background_group_all_ones');
      continue;
    }
    const w = new Float32Array(n);
    const others: number[] = [];
    for (let i = 0; i < n; i++) {
      if (labels[i] > 0) w[i] = 1;
      else others.push(i);
    }
    const numFg = n - others.length;
    const keep = Math.floor(numFg * beta);
    if (numFg === 0) {
      modes.push('no_foreground_in_group');
    } else if (keep >= others.length) {
      w.fill(1);
      modes.push('all_others_kept');
    } else {
      const chosen = sampler(Int32Array.from(others), keep, g);
      const allowed = new Set(others);
      const seen = new Set<number>();
      for (let k = 0; k < chosen.length; k++) {
        const i = chosen[k];
        if (!allowed.has(i) || seen.has(i)) {
          throw new RangeError(
            `group-softmax: the others sampler returned row ${i} for group ${g}, which is not an unchosen "others" row`,
          );
        }
        seen.add(i);
        w[i] = 1;
      }
      if (seen.size !== keep) {
        throw new RangeError(
          `group-softmax: the others sampler returned ${seen.size} rows for group ${g}, expected ${keep}`,
        );
      }
      modes.push('others_randomly_subsampled');
    }
    weights.push(w);
  }
  return { weights, modes };
}

/**
 * The default "others" sampler: `@crat/core`'s `Rng`, whose whole state is one uint32, so a
 * checkpoint can carry it and a resumed run draws the same "others" rows.
 */
export class SeededOthersSampler {
  readonly #rng: Rng;

  constructor(seed: number) {
    this.#rng = new Rng(seed);
  }

  get state(): number {
    return this.#rng.state;
  }

  set state(value: number) {
    this.#rng.state = value;
  }

  /** `count` distinct entries of `others`, uniformly (the first `count` of a random permutation). */
  readonly sample: OthersSampler = (others, count) => this.#rng.choose(others, count);
}
