// Divergence: a step whose loss or gradient is NaN or infinite stops the run before the
// optimizer applies it, naming the step and what went non-finite (detectron2's
// FloatingPointError), so no checkpoint ever holds the damage.

import * as tf from '@tensorflow/tfjs-core';

/** A step with a non-finite loss term or gradient; thrown before the optimizer step. */
export class NonFiniteError extends Error {
  override name = 'NonFiniteError';

  constructor(
    /** The 1-based step that diverged. */
    readonly iter: number,
    /** The loss terms or parameters that were not finite, with their values. */
    readonly what: string[],
    kind: 'loss' | 'gradient',
  ) {
    super(
      `training diverged at step ${iter}: ${kind === 'loss' ? 'non-finite loss' : 'non-finite gradient'} (${what.join(', ')})`,
    );
  }
}

/** Throws naming every loss term (the total last) that is NaN or infinite. */
export function checkLossesFinite(iter: number, losses: Record<string, number>): void {
  const bad = Object.entries(losses)
    .filter(([, v]) => !Number.isFinite(v))
    .sort(([a], [b]) => Number(a === 'loss') - Number(b === 'loss'))
    .map(([k, v]) => `${k} = ${v}`);
  if (bad.length) throw new NonFiniteError(iter, bad, 'loss');
}

/**
 * Throws when `norm` is not finite, naming the parameters whose gradients hold a NaN or an
 * infinity (looked up only then: the check itself costs one reduction per step).
 */
export async function checkGradientsFinite(
  iter: number,
  grads: Record<string, tf.Tensor>,
  norm: number,
): Promise<void> {
  if (Number.isFinite(norm)) return;
  const bad: string[] = [];
  for (const [name, g] of Object.entries(grads)) {
    const flag = tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(g))));
    if ((await flag.data())[0]) bad.push(name);
    flag.dispose();
  }
  const shown = bad.slice(0, 5).join(', ') + (bad.length > 5 ? ` and ${bad.length - 5} more` : '');
  throw new NonFiniteError(iter, [`norm ${norm} in ${shown || 'the sum of squares'}`], 'gradient');
}
