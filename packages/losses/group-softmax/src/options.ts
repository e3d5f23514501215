// Group Softmax's options, their reference defaults (tztztztztz/eqlv2), and their validation.

/** Group Softmax (BAGS) hyper-parameters, with the reference defaults (tztztztztz/eqlv2). */
export interface GroupSoftmaxOptions {
  /** "others" rows kept per foreground row in each foreground group. */
  beta: number;
  /** Instance-count bin edges; a count equal to an edge goes to the upper group. */
  binSplit: number[];
  /** Multiplier of the loss (and of its gradient). */
  lossWeight: number;
  /** Seed of the default "others" sampler (its position is part of the plug-in state). */
  seed: number;
}

export const GROUP_SOFTMAX_DEFAULTS: GroupSoftmaxOptions = {
  beta: 8,
  binSplit: [10, 100, 1000],
  lossWeight: 1,
  seed: 0,
};

/** Check option values; the registry already rejects unknown keys. */
export function validateGroupSoftmaxOptions(o: GroupSoftmaxOptions): GroupSoftmaxOptions {
  for (const key of ['beta', 'lossWeight', 'seed'] as const) {
    if (typeof o[key] !== 'number' || !Number.isFinite(o[key])) {
      throw new TypeError(
        `group-softmax: option '${key}' must be a finite number, got ${String(o[key])}`,
      );
    }
  }
  if (o.beta < 0) throw new RangeError(`group-softmax: option 'beta' must be >= 0, got ${o.beta}`);
  const edges = o.binSplit;
  if (
    !Array.isArray(edges) ||
    !edges.every(
      (x, i) => typeof x === 'number' && Number.isFinite(x) && (i === 0 || x > edges[i - 1]),
    )
  ) {
    throw new TypeError(
      `group-softmax: option 'binSplit' must be an increasing array of numbers, got ${JSON.stringify(edges)}`,
    );
  }
  return o;
}
