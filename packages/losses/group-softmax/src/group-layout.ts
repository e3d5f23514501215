// How Group Softmax groups classes by training instance count and lays out their logits
// ("others" first in each group), and each label's place in every group.

/** What one logit column means. */
export interface LogitColumn {
  group: number;
  positionInGroup: number;
  /** The class id, or -1 for a group's "others" column. Background is class C. */
  classId: number;
}

/**
 * How Group Softmax splits C+1 classes into groups and lays out their logits: every
 * group g has an "others" column followed by its classes in increasing id order, groups
 * consecutive; the last group is [others, background]. Total columns C + 1 + G.
 */
export interface GroupLayout {
  numClasses: number;
  numGroups: number;
  numLogits: number;
  /** Group of each class, length C+1 (background → the last group). */
  groupOfClass: Int32Array;
  /** Class ids of each group, increasing (background, C, alone in the last). */
  groupClassIds: number[][];
  /** First column (the "others" column) of each group. */
  groupStart: Int32Array;
  /** labelMaps[g][label]: the label's position (1..) in group g, 0 ("others") if not there. */
  labelMaps: Int32Array[];
  columns: LogitColumn[];
}

/** Number of edges ≤ count: Python's `bisect_right(binSplit, count)`. */
function bisectRight(edges: readonly number[], count: number): number {
  let g = 0;
  while (g < edges.length && edges[g] <= count) g++;
  return g;
}

/**
 * Groups classes by training instance count: group `bisect_right(binSplit, count)` (so
 * count < binSplit[0] → 0, …, ≥ the last edge → binSplit.length), background alone in
 * group binSplit.length + 1. Groups may be empty; they still own their "others" column.
 */
export function buildGroupLayout(
  instanceCounts: readonly number[],
  binSplit: readonly number[],
): GroupLayout {
  const numClasses = instanceCounts.length;
  const numGroups = binSplit.length + 2;
  const groupOfClass = new Int32Array(numClasses + 1);
  const groupClassIds: number[][] = Array.from({ length: numGroups }, () => []);
  for (let c = 0; c <= numClasses; c++) {
    const g = c === numClasses ? numGroups - 1 : bisectRight(binSplit, instanceCounts[c]);
    groupOfClass[c] = g;
    groupClassIds[g].push(c);
  }
  const groupStart = new Int32Array(numGroups);
  const labelMaps = Array.from({ length: numGroups }, () => new Int32Array(numClasses + 1));
  const columns: LogitColumn[] = [];
  for (let g = 0; g < numGroups; g++) {
    groupStart[g] = columns.length;
    columns.push({ group: g, positionInGroup: 0, classId: -1 });
    groupClassIds[g].forEach((c, k) => {
      labelMaps[g][c] = k + 1;
      columns.push({ group: g, positionInGroup: k + 1, classId: c });
    });
  }
  return {
    numClasses,
    numGroups,
    numLogits: columns.length,
    groupOfClass,
    groupClassIds,
    groupStart,
    labelMaps,
    columns,
  };
}

/** Each row's label inside every group, `[G][N]` (0 = "others"). */
export function remapLabels(layout: GroupLayout, labels: Int32Array): Int32Array[] {
  return layout.labelMaps.map((map) => Int32Array.from(labels, (label) => map[label]));
}
