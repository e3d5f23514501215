// Normalization layers by config (mmdetection's `norm_cfg`): frozen batch norm (an affine map
// of fixed statistics, for pretrained backbones), trainable batch norm (batch statistics in
// training, running statistics updated and used at test time) and group norm.

import { groupNorm } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { NormConfig } from './config.js';
import type { ParamStore } from './params.js';

/** A normalization of NHWC activations over their channels. */
export interface Norm {
  readonly type: NormConfig['type'];
  apply(x: tf.Tensor4D): tf.Tensor4D;
}

export interface NormOptions {
  /** Whether gamma and beta are trained (mmdetection `requires_grad`). */
  trainable: boolean;
  /** Initial gamma (0 for the last norm of a residual block with `zero_init_residual`). */
  gamma?: number;
}

/** gamma and beta of a norm layer, as `${name}.weight` / `${name}.bias`. */
function affine(store: ParamStore, name: string, channels: number, o: NormOptions) {
  const vec = { kind: 'vector' } as const;
  return {
    weight: store.add(
      `${name}.weight`,
      [channels],
      vec,
      { type: 'constant', value: o.gamma ?? 1 },
      o.trainable,
      'norm',
    ),
    bias: store.add(
      `${name}.bias`,
      [channels],
      vec,
      { type: 'constant', value: 0 },
      o.trainable,
      'norm',
    ),
  };
}

/**
 * Batch norm with frozen running statistics (mmdetection `norm_eval=True`): an affine map
 * `x * scale + shift` with `scale = gamma / sqrt(var + eps)`, `shift = beta - mean * scale`.
 * gamma and beta may still be trained (mmdetection `requires_grad=True`).
 */
export class FrozenBatchNorm implements Norm {
  readonly type = 'FrozenBN';
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly eps = 1e-5;

  constructor(store: ParamStore, name: string, channels: number, o: NormOptions) {
    ({ weight: this.weight, bias: this.bias } = affine(store, name, channels, o));
    ({ runningMean: this.runningMean, runningVar: this.runningVar } = runningStats(
      store,
      name,
      channels,
    ));
  }

  scaleShift(): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
    const scale = tf.mul(this.weight, tf.rsqrt(tf.add(this.runningVar, this.eps))) as tf.Tensor1D;
    const shift = tf.sub(this.bias, tf.mul(this.runningMean, scale)) as tf.Tensor1D;
    return { scale, shift };
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    const { scale, shift } = this.scaleShift();
    return tf.add(tf.mul(x, scale), shift) as tf.Tensor4D;
  }
}

function runningStats(store: ParamStore, name: string, channels: number) {
  const vec = { kind: 'vector' } as const;
  return {
    runningMean: store.add(
      `${name}.running_mean`,
      [channels],
      vec,
      { type: 'constant', value: 0 },
      false,
      'norm',
    ),
    runningVar: store.add(
      `${name}.running_var`,
      [channels],
      vec,
      { type: 'constant', value: 1 },
      false,
      'norm',
    ),
  };
}

/**
 * Trainable batch norm (PyTorch `BatchNorm2d`): in training mode (`store.mode.training`) it
 * normalises with the batch's statistics over N, H, W and updates the running ones
 * (`running = (1 - momentum) running + momentum batch`, variance unbiased); otherwise it is the
 * affine map of the running statistics. The running statistics are checkpointed with the weights.
 */
export class BatchNorm implements Norm {
  readonly type = 'BN';
  readonly frozen: FrozenBatchNorm;

  constructor(
    readonly store: ParamStore,
    name: string,
    channels: number,
    o: NormOptions,
    readonly momentum = 0.1,
  ) {
    this.frozen = new FrozenBatchNorm(store, name, channels, o);
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    if (!this.store.mode.training) return this.frozen.apply(x);
    const f = this.frozen;
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const count = x.size / x.shape[3];
    // The update is not part of the loss (nothing returned depends on it): no gradient flows through it.
    tf.tidy(() => {
      const m = this.momentum;
      const batchMean = mean;
      const unbiased = tf.mul(variance, count / Math.max(count - 1, 1));
      f.runningMean.assign(tf.add(tf.mul(f.runningMean, 1 - m), tf.mul(batchMean, m)));
      f.runningVar.assign(tf.add(tf.mul(f.runningVar, 1 - m), tf.mul(unbiased, m)));
    });
    const scale = tf.mul(f.weight, tf.rsqrt(tf.add(variance, f.eps)));
    return tf.add(tf.mul(tf.sub(x, mean), scale), f.bias) as tf.Tensor4D;
  }
}

/** Group norm (PyTorch `GroupNorm`): per image, channels split into `numGroups` groups normalised over H, W and the group. */
export class GroupNorm implements Norm {
  readonly type = 'GN';
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly eps = 1e-5;

  constructor(
    store: ParamStore,
    name: string,
    readonly channels: number,
    readonly numGroups: number,
    o: NormOptions,
  ) {
    if (channels % numGroups !== 0) {
      throw new Error(`${name}: ${channels} channels do not split into ${numGroups} groups`);
    }
    ({ weight: this.weight, bias: this.bias } = affine(store, name, channels, o));
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    const [n, h, w, c] = x.shape;
    const g = this.numGroups;
    const grouped = tf.reshape(x, [n, h * w, g, c / g]);
    const { mean, variance } = tf.moments(grouped, [1, 3], true);
    const normed = tf.reshape(tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, this.eps))), [
      n,
      h,
      w,
      c,
    ]);
    return tf.add(tf.mul(normed, this.weight), this.bias) as tf.Tensor4D;
  }
}

/** The norm layer `cfg` names, its parameters under `name`. */
export function buildNorm(
  store: ParamStore,
  name: string,
  channels: number,
  cfg: NormConfig,
  o: NormOptions,
): Norm {
  switch (cfg.type) {
    case 'FrozenBN':
      return new FrozenBatchNorm(store, name, channels, o);
    case 'BN':
      return new BatchNorm(store, name, channels, o, cfg.momentum ?? 0.1);
    case 'GN':
      return new GroupNorm(store, name, channels, cfg.numGroups, o);
  }
}
