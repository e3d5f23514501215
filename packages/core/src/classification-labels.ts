// The check every classification loss runs on its logits and labels, so a bad label fails
// with the same clear error (loss, index, value) whichever loss is configured.

import type { Tensor } from '@tensorflow/tfjs-core';

/**
 * Check a `ClassificationLoss` step's `logits [N, numLogits]` and host `labels` (length N,
 * 0..C, C = background) and return them as an Int32Array; errors name the loss (`where`), the
 * index and the value. Labels stay on the host (the RoI sampler makes them there), so the
 * check reads nothing back from the backend.
 */
export function checkClassificationLabels(
  where: string,
  logits: Tensor,
  labels: ArrayLike<number>,
  numLogits: number,
  numClasses: number,
): Int32Array {
  if (logits.rank !== 2 || logits.shape[1] !== numLogits) {
    throw new RangeError(
      `${where}: logits must have shape [N, ${numLogits}], got [${logits.shape.join(', ')}]`,
    );
  }
  if (labels.length !== logits.shape[0]) {
    throw new RangeError(
      `${where}: labels must have length ${logits.shape[0]} (one per logits row), got ${labels.length}`,
    );
  }
  const raw = labels;
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
