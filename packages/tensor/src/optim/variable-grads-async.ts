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

type Tape = NonNullable<TapeEngine['state']['activeTape']>;

/** Free what the tape's records saved for the backward and drop the tape (as `engine.gradients` does). */
function releaseTape(engine: TapeEngine, tape: Tape): void {
  for (const node of tape) for (const t of node.saved ?? []) t.dispose();
  if (engine.state.activeTape === tape) engine.state.activeTape = null;
}

/**
 * `tf.variableGrads` for a loss function that awaits: the value of `f()` and the gradient of
 * it w.r.t. each trainable variable in `varList`, by variable name (null-free: variables the
 * loss does not depend on are left out, as `tf.variableGrads` does).
 *
 * How (tfjs-core 4.22's engine): the tape is opened (depth 0 → 1, a fresh tape) and a scope
 * started before `f` runs, so every kernel `f` runs, before and after its awaits, is recorded
 * on one tape and every tensor it allocates is freed when the scope ends (except the result).
 * The tape is then closed (depth 0, the records kept) and handed to `tf.variableGrads`: its
 * forward only puts the finished tape back in place (`engine.gradients` opens a fresh one
 * first) and returns the result, so the backward runs exactly as after a synchronous forward,
 * at depth 0: its own kernels are not taped, and the tape's saved tensors are freed after it.
 * (Back-propagating at depth 1 instead would tape every backward kernel and keep what each
 * saved until the step ends: measured, +220 MiB peak on the synthetic preset.)
 *
 * The rule this brings: while `f` is awaiting, no other code may create tensors, since they
 * would land on this tape and in this scope (and be freed when it ends). The trainer's data
 * loader makes a batch's tensors in `next()`, before the step starts; anything else running
 * concurrently with a step must not touch TF.js. Calls cannot nest, and none may run inside
 * another gradient scope.
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
  const tape = engine.state.activeTape as Tape;
  engine.startScope('variableGradsAsync');
  let value: tf.Scalar;
  try {
    value = await f();
    if (!(value instanceof tf.Tensor)) {
      throw new TypeError('variableGradsAsync: the loss function must resolve to a tensor');
    }
  } catch (err) {
    engine.endScope();
    engine.endTape();
    releaseTape(engine, tape);
    throw err;
  }
  engine.endScope(value);
  engine.endTape();
  const y = value;
  try {
    const { grads } = tf.variableGrads(() => {
      engine.state.activeTape = tape;
      return y;
    }, varList);
    const out: tf.NamedTensorMap = {};
    for (const [name, g] of Object.entries(grads)) if (g) out[name] = g;
    return { value: y, grads: out };
  } catch (err) {
    y.dispose();
    releaseTape(engine, tape);
    throw err;
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
