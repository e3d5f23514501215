// The one step function: gradients of a sum of named loss terms with respect to named parameters.

import type { LossTerms } from '@crat/core';
import * as tf from '@tensorflow/tfjs-core';
import { addMany } from '../ops/add-many.js';
import { variableGradsAsync } from './variable-grads-async.js';

/** What a loss function returns: its terms, or its terms with per-step counts to log. */
export type LossOutput = LossTerms | { terms: LossTerms; stats?: Record<string, number> };

/** One micro-batch's result: loss terms as numbers (`loss` is their sum) and the gradients. */
export interface StepOutput {
  losses: Record<string, number>;
  /** Gradient of the total loss w.r.t. each parameter, by the parameter's key; the caller owns them. */
  grads: Record<string, tf.Tensor>;
  /** Counts the loss function reported (e.g. sampled RoIs and positives). */
  stats?: Record<string, number>;
}

export type StepFn<Batch, Ctx> = (batch: Batch, ctx: Ctx) => Promise<StepOutput>;

function isTermsWithStats(
  o: LossOutput,
): o is { terms: LossTerms; stats?: Record<string, number> } {
  return 'terms' in o && !(o.terms instanceof tf.Tensor);
}

/**
 * A step function from a function that computes named scalar loss terms, possibly awaiting
 * tensor reads on the way: their sum is differentiated w.r.t. `params` with
 * `variableGradsAsync` (no other code may create tensors while it awaits: see there), and the
 * terms are read back asynchronously. Everything the loss function allocates is freed.
 */
export function gradientStep<Batch, Ctx>(
  params: Record<string, tf.Variable>,
  lossFn: (batch: Batch, ctx: Ctx) => LossOutput | Promise<LossOutput>,
): StepFn<Batch, Ctx> {
  const byVarName = new Map<string, string>();
  for (const [key, v] of Object.entries(params)) byVarName.set(v.name, key);
  const varList = Object.values(params);
  return async (batch: Batch, ctx: Ctx): Promise<StepOutput> => {
    let kept: LossTerms = {};
    let stats: Record<string, number> | undefined;
    const { value, grads } = await variableGradsAsync(async () => {
      const out = await lossFn(batch, ctx);
      let terms: LossTerms;
      if (isTermsWithStats(out)) {
        terms = out.terms;
        stats = out.stats;
      } else terms = out;
      const names = Object.keys(terms);
      if (names.length === 0) throw new Error('gradientStep: the loss function returned no terms');
      kept = {};
      for (const n of names) kept[n] = tf.keep(terms[n]!);
      return addMany(names.map((n) => terms[n]!)) as tf.Scalar;
    }, varList);
    const losses: Record<string, number> = {};
    for (const [n, t] of Object.entries(kept)) {
      losses[n] = (await t.data())[0]!;
      t.dispose();
    }
    losses.loss = (await value.data())[0]!;
    value.dispose();
    const out: Record<string, tf.Tensor> = {};
    for (const [varName, g] of Object.entries(grads)) out[byVarName.get(varName) ?? varName] = g;
    return { losses, grads: out, ...(stats ? { stats } : {}) };
  };
}
