// The one optimizer: SGD with momentum and weight decay, keyed by parameter name, checkpointable.

import type { JsonValue, PluginState, Stateful } from '@crat/core';
import * as tf from '@tensorflow/tfjs-core';
import { decodeTensor, type EncodedTensor, encodeTensorMap } from './tensor-codec.js';

export interface SgdOptions {
  momentum: number;
  weightDecay: number;
  /**
   * Per-parameter multiplier of `weightDecay`, by parameter name (mmdetection's
   * `paramwise_cfg`: `norm_decay_mult=0` for norm layers, `bias_decay_mult`); 1 when absent.
   */
  decayMult?: Record<string, number>;
}

/**
 * SGD with momentum and L2 weight decay, as PyTorch's `torch.optim.SGD` (no dampening, no
 * Nesterov), which mmdetection trains with: `g += wd * p; buf = mu * buf + g; p -= lr * buf`.
 * Written out rather than `tf.train.momentum` because that optimizer has no weight decay,
 * and its slots are not addressable by parameter name for exact checkpoints.
 */
export class Sgd implements Stateful {
  readonly #params: Map<string, tf.Variable>;
  readonly #buffers = new Map<string, tf.Tensor>();
  #steps = 0;

  constructor(
    params: Record<string, tf.Variable>,
    readonly options: SgdOptions,
  ) {
    this.#params = new Map(Object.entries(params));
  }

  get steps(): number {
    return this.#steps;
  }

  /** Apply one update with learning rate `lr`; parameters without a gradient are left alone. */
  step(grads: Record<string, tf.Tensor>, lr: number): void {
    const { momentum, weightDecay } = this.options;
    for (const [name, g] of Object.entries(grads)) {
      const p = this.#params.get(name);
      if (!p) throw new RangeError(`Sgd.step: gradient for unknown parameter '${name}'`);
      const prev = this.#buffers.get(name);
      const wd = weightDecay * (this.options.decayMult?.[name] ?? 1);
      const next = tf.tidy(() => {
        const d = wd > 0 ? tf.add(g, tf.mul(p, wd)) : tf.clone(g);
        const buf = prev && momentum > 0 ? tf.add(tf.mul(prev, momentum), d) : d;
        p.assign(tf.sub(p, tf.mul(buf, lr)));
        return buf;
      });
      prev?.dispose();
      if (momentum > 0) this.#buffers.set(name, next);
      else next.dispose();
    }
    this.#steps++;
  }

  async getState(): Promise<PluginState> {
    const buffers: Record<string, tf.Tensor> = Object.fromEntries(this.#buffers);
    return { type: 'sgd', steps: this.#steps, momentumBuffers: await encodeTensorMap(buffers) };
  }

  setState(state: PluginState): void {
    const buffers = state.momentumBuffers;
    if (
      state.type !== 'sgd' ||
      typeof state.steps !== 'number' ||
      !buffers ||
      typeof buffers !== 'object' ||
      Array.isArray(buffers)
    ) {
      throw new TypeError("optimizer state: expected { type: 'sgd', steps, momentumBuffers }");
    }
    this.dispose();
    for (const [name, e] of Object.entries(buffers as { [k: string]: JsonValue })) {
      const p = this.#params.get(name);
      if (!p)
        throw new RangeError(`optimizer state: momentum buffer for unknown parameter '${name}'`);
      const t = decodeTensor(
        e as unknown as EncodedTensor,
        `optimizer state momentumBuffers['${name}']`,
      );
      if (t.shape.join() !== p.shape.join()) {
        t.dispose();
        throw new RangeError(
          `optimizer state: momentum buffer '${name}' has shape [${t.shape}], parameter has [${p.shape}]`,
        );
      }
      this.#buffers.set(name, t);
    }
    this.#steps = state.steps;
  }

  /** Free the momentum buffers. */
  dispose(): void {
    for (const t of this.#buffers.values()) t.dispose();
    this.#buffers.clear();
  }
}
