// The check every classification loss runs on its logits and labels, so a bad label fails
// with the same clear error (loss, index, value) whichever loss is configured.

import type { Tensor } from '@tensorflow/tfjs-core';

/**
 * Check a `ClassificationLoss` step's `logits [N, numLogits]` and `labels [N]` (0..C, C =
 * background) and return the labels; errors name the loss (`where`), the index and the value.
 */
export function readClassificationLabels(
  where: string,
  logits: Tensor,
  labels: Tensor,
  numLogits: number,
  numClasses: number,
): Int32Array {
  if (logits.rank !== 2 || logits.shape[1] !== numLogits) {
    throw new RangeError(
      `${where}: logits must have shape [N, ${numLogits}], got [${logits.shape.join(', ')}]`,
    );
  }
  if (labels.rank !== 1 || labels.shape[0] !== logits.shape[0]) {
    throw new RangeError(
      `${where}: labels must have shape [${logits.shape[0]}], got [${labels.shape.join(', ')}]`,
    );
  }
  const raw = labels.dataSync();
  const out = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i] as number;
    if (!Number.isInteger(v) || v < 0 || v > numClasses) {
      throw new RangeError(
        `${where}: labels[${i}] = ${v} is not a class index in 0..${numClasses} (${numClasses} = background)`,
      );
    }
    out[i] = v;
  }
  return out;
}
