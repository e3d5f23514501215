// Which parameters train: the model's trainable ones, narrowed by the config's `trainable`
// name globs (decoupled stage 2).

import type * as tf from '@tensorflow/tfjs-core';

/** A model parameter as the trainer sees it: state-dict name, variable, whether it trains at all. */
export interface NamedParam {
  name: string;
  variable: tf.Variable;
  trainable: boolean;
}

/** `*` matches within a dotted segment, `**` across segments; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^.]*';
    else re += c.replace(/[\\^$+?.()|[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * The parameters the optimizer updates, by name: the model's trainable ones, restricted to
 * those matching `globs` when given (decoupled stage 2 trains only the class-wise layers).
 * A glob that matches no trainable parameter is an error naming it.
 */
export function selectTrainable(
  params: readonly NamedParam[],
  globs: readonly string[] | null,
): Record<string, tf.Variable> {
  const candidates = params.filter((p) => p.trainable);
  const out: Record<string, tf.Variable> = {};
  if (!globs) {
    for (const p of candidates) out[p.name] = p.variable;
    return out;
  }
  for (const g of globs) {
    const re = globToRegExp(g);
    const hit = candidates.filter((p) => re.test(p.name));
    if (hit.length === 0) {
      const sample = candidates.slice(-5).map((p) => p.name);
      throw new Error(
        `trainable: '${g}' matches no trainable parameter (e.g. ${sample.join(', ')})`,
      );
    }
    for (const p of hit) out[p.name] = p.variable;
  }
  return out;
}
