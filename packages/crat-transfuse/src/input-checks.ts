// The shape check of every `TaskTransferInputs` tensor, with errors naming the plug-in and field.

import type * as tf from '@tensorflow/tfjs-core';

/** Throw a clear error naming the plug-in and field when a tensor's rank or sizes are wrong. */
export function expectShape(
  where: string,
  field: string,
  t: tf.Tensor | undefined,
  expected: (number | null)[],
): void {
  if (!t) throw new TypeError(`${where}: TaskTransferInputs.${field} is missing`);
  const ok =
    t.shape.length === expected.length && expected.every((s, i) => s === null || s === t.shape[i]);
  if (!ok) {
    const want = `[${expected.map((s) => (s === null ? '?' : s)).join(', ')}]`;
    throw new RangeError(
      `${where}: TaskTransferInputs.${field} has shape [${t.shape.join(', ')}], expected ${want}`,
    );
  }
}
