import type { LossTerms } from '@crat/core';
import * as tf from '@tensorflow/tfjs-core';
import type { StepContext, StepOutput, TrainStepFn } from './run-training.js';

/**
 * A {@link TrainStepFn} from a function that computes named scalar loss terms: their sum
 * is differentiated w.r.t. `params` with `tf.variableGrads`, and the terms are read back
 * as numbers. Everything the loss function allocates is freed.
 */
export function gradientStep<Batch>(
  params: Record<string, tf.Variable>,
  lossFn: (batch: Batch, ctx: StepContext) => LossTerms,
): TrainStepFn<Batch> {
  const byVarName = new Map<string, string>();
  for (const [key, v] of Object.entries(params)) byVarName.set(v.name, key);
  const varList = Object.values(params);
  return (batch: Batch, ctx: StepContext): StepOutput => {
    let kept: LossTerms = {};
    const { value, grads } = tf.variableGrads(() => {
      const terms = lossFn(batch, ctx);
      const names = Object.keys(terms);
      if (names.length === 0) throw new Error('gradientStep: the loss function returned no terms');
      kept = {};
      for (const n of names) kept[n] = tf.keep(terms[n]!);
      return tf.addN(names.map((n) => terms[n]!)) as tf.Scalar;
    }, varList);
    const losses: Record<string, number> = {};
    for (const [n, t] of Object.entries(kept)) {
      losses[n] = t.dataSync()[0]!;
      t.dispose();
    }
    losses.loss = value.dataSync()[0]!;
    value.dispose();
    const out: Record<string, tf.Tensor> = {};
    for (const [varName, g] of Object.entries(grads)) out[byVarName.get(varName) ?? varName] = g;
    return { losses, grads: out };
  };
}
