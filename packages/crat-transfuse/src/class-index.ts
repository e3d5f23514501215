// The classes present among a step's positive RoIs, and each RoI's place among them: the rows
// the Fisher update and the class weights work on.

/** The classes present in a batch of positive RoIs, in increasing order, and where each RoI's class sits among them. */
export interface PresentClasses {
  /** Distinct labels, ascending (U of them). */
  classes: number[];
  /** Per RoI, the position of its label in `classes` (length P). */
  index: Int32Array;
  /** Per present class, how many RoIs carry it. */
  counts: number[];
}

/** Group positive RoIs by label; throws naming the RoI when a label is outside 0..C-1. */
export function presentClasses(
  labels: ArrayLike<number>,
  numClasses: number,
  where: string,
): PresentClasses {
  const seen = new Map<number, number>();
  for (let n = 0; n < labels.length; n++) {
    const y = labels[n];
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      throw new RangeError(
        `${where}: labels[${n}] = ${y} is not a foreground class in 0..${numClasses - 1} (TaskTransfer inputs hold positive RoIs only)`,
      );
    }
    seen.set(y, (seen.get(y) ?? 0) + 1);
  }
  const classes = [...seen.keys()].sort((a, b) => a - b);
  const position = new Map(classes.map((c, u) => [c, u]));
  const index = new Int32Array(labels.length);
  for (let n = 0; n < labels.length; n++) index[n] = position.get(labels[n])!;
  return { classes, index, counts: classes.map((c) => seen.get(c)!) };
}
