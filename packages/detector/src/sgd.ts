import * as tf from '@tensorflow/tfjs-core';

export interface SgdOptions {
  lr: number;
  momentum: number;
  weightDecay: number;
  /** Clip the global gradient L2 norm to this value before the update (mmdetection `grad_clip`); off when undefined. */
  maxGradNorm?: number;
  /** Compute the global gradient norm even without clipping (for logs; costs a pass over every gradient). */
  trackGradNorm?: boolean;
}

/**
 * PyTorch `torch.optim.SGD` (dampening 0, no Nesterov) as mmdetection configures it:
 * `d = g + wd * p`, `buf = momentum * buf + d` (`buf = d` on the first step), `p -= lr * buf`.
 * Weight decay applies to every trainable parameter, BN affine and biases included.
 * The momentum buffers are variables keyed by the parameter's variable name.
 */
export class SGD {
  readonly options: SgdOptions;
  readonly #buffers = new Map<string, tf.Variable>();

  constructor(options: Partial<SgdOptions> & { lr: number }) {
    this.options = { momentum: 0.9, weightDecay: 1e-4, ...options };
  }

  /** One update of `variables` from `grads` (keyed by variable name); `lr` overrides the configured rate (schedules). */
  step(
    variables: tf.Variable[],
    grads: tf.NamedTensorMap,
    lr = this.options.lr,
  ): { gradNorm: number | undefined } {
    const { momentum, weightDecay, maxGradNorm, trackGradNorm } = this.options;
    const present = variables.filter((v) => grads[v.name] !== undefined);
    // The norm is an extra pass over every gradient and a host read: only when clipping
    // needs it or the caller asked for it.
    const gradNorm =
      maxGradNorm === undefined && !trackGradNorm
        ? undefined
        : tf.tidy(() =>
            present.length === 0
              ? 0
              : Math.sqrt(
                  tf.addN(present.map((v) => tf.sum(tf.square(grads[v.name])))).dataSync()[0],
                ),
          );
    const clip =
      gradNorm !== undefined && maxGradNorm !== undefined && gradNorm > maxGradNorm
        ? maxGradNorm / (gradNorm + 1e-6)
        : 1;
    for (const v of present) {
      tf.tidy(() => {
        let d = grads[v.name];
        if (clip !== 1) d = tf.mul(d, clip);
        if (weightDecay !== 0) d = tf.add(d, tf.mul(v, weightDecay));
        const buf = this.#buffers.get(v.name);
        let update = d;
        if (momentum !== 0) {
          if (buf) {
            update = tf.add(tf.mul(buf, momentum), d);
            buf.assign(update);
          } else {
            this.#buffers.set(v.name, tf.variable(d, false, `${v.name}/momentum`));
          }
        }
        v.assign(tf.sub(v, tf.mul(update, lr)));
      });
    }
    return { gradNorm };
  }

  /** The momentum buffers by variable name (for checkpoints). */
  buffers(): Map<string, tf.Tensor> {
    return new Map(this.#buffers);
  }

  /** Restore momentum buffers (values copied). */
  setBuffers(buffers: Map<string, tf.Tensor>): void {
    this.dispose();
    for (const [name, t] of buffers)
      this.#buffers.set(name, tf.variable(tf.clone(t), false, `${name}/momentum`));
  }

  dispose(): void {
    for (const b of this.#buffers.values()) b.dispose();
    this.#buffers.clear();
  }
}
