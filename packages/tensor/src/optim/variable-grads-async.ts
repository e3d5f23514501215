// Gradients of an asynchronous loss function: TF.js's tape held open across awaits, so the
// forward can read tensors with `await t.data()` (the only read that works on every backend)
// without computing the forward twice.

import * as tf from '@tensorflow/tfjs-core';

/**
 * The part of tfjs-core 4.22's Engine this relies on: `startTape`/`endTape` are declared
 * private but are what `engine.gradients` itself brackets a forward with; `state` is public.
 */
interface TapeEngine {
  startTape(): void;
  endTape(): void;
  startScope(name?: string): void;
  endScope(result?: tf.TensorContainer): void;
  state: { gradientDepth: number; activeTape: { saved?: tf.Tensor[] }[] | null };
}

function tapeEngine(): TapeEngine {
  const engine = tf.engine() as unknown as Partial<TapeEngine>;
  for (const m of ['startTape', 'endTape', 'startScope', 'endScope'] as const) {
    if (typeof engine[m] !== 'function') {
      throw new Error(
        `variableGradsAsync: this tfjs-core's engine has no ${m}() (written for 4.22)`,
      );
    }
  }
  return engine as TapeEngine;
}

/**
 * `tf.variableGrads` for a loss function that awaits: the value of `f()` and the gradient of
 * it w.r.t. each trainable variable in `varList`, by variable name (null-free: variables the
 * loss does not depend on are left out, as `tf.variableGrads` does).
 *
 * How: the tape is opened (depth 0 → 1, a fresh tape) and a scope started before `f` runs, so
 * every kernel `f` runs, before and after its awaits, is recorded on one tape and every tensor
 * it allocates is freed when the scope ends (except the result). `tf.variableGrads` then runs
 * at depth 2 over a forward that only returns the result: it back-propagates over the whole
 * tape and, not being at depth 0, leaves the tape alone; closing the tape here frees the
 * tensors its nodes saved for the backward, exactly as `engine.gradients` does at depth 0.
 *
 * The rule this brings: while `f` is awaiting, no other code may create tensors, since they
 * would land on this tape and in this scope (and be freed when it ends). The trainer's data
 * pipeline hands over host arrays and the step creates the batch's tensors itself before it
 * starts; anything else running concurrently with a step must not touch TF.js. Calls cannot
 * nest, and none may run inside `tf.tidy` or another gradient scope.
 */
export async function variableGradsAsync(
  f: () => Promise<tf.Scalar>,
  varList: tf.Variable[],
): Promise<{ value: tf.Scalar; grads: tf.NamedTensorMap }> {
  const engine = tapeEngine();
  if (engine.state.gradientDepth !== 0) {
    throw new Error(
      'variableGradsAsync: called inside another gradient scope (nesting is not supported)',
    );
  }
  engine.startTape();
  engine.startScope('variableGradsAsync');
  let value: tf.Scalar | undefined;
  let scopeOpen = true;
  try {
    value = await f();
    if (!(value instanceof tf.Tensor)) {
      throw new TypeError('variableGradsAsync: the loss function must resolve to a tensor');
    }
    engine.endScope(value);
    scopeOpen = false;
    const y = value;
    const { grads } = tf.variableGrads(() => y, varList);
    const out: tf.NamedTensorMap = {};
    for (const [name, g] of Object.entries(grads)) if (g) out[name] = g;
    return { value: y, grads: out };
  } catch (err) {
    if (!scopeOpen) value?.dispose();
    throw err;
  } finally {
    if (scopeOpen) engine.endScope();
    engine.endTape();
    const tape = engine.state.activeTape;
    if (engine.state.gradientDepth === 0 && tape) {
      for (const node of tape) for (const t of node.saved ?? []) t.dispose();
      engine.state.activeTape = null;
    }
  }
}

/**
 * `tf.valueAndGrad` for an asynchronous function of one tensor, through
 * `variableGradsAsync` (what tests and tools differentiate plug-ins with; the same rules).
 */
export async function valueAndGradAsync(
  f: (x: tf.Tensor) => Promise<tf.Scalar>,
  x: tf.Tensor,
): Promise<{ value: tf.Scalar; grad: tf.Tensor }> {
  const v = tf.variable(x, true);
  try {
    const { value, grads } = await variableGradsAsync(() => f(v), [v]);
    return { value, grad: grads[v.name]! };
  } finally {
    v.dispose();
  }
}
