// The model's named parameters: their initialisation from the seeded generator, the store that
// holds them, and their PyTorch layout, so checkpoints use mmdetection's names and shapes.

import type { Rng } from '@crat/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * How a parameter is laid out in TF.js (NHWC model) versus PyTorch (the checkpoint layout):
 * - `conv`: TF `[kh, kw, in, out]` (HWIO) ↔ torch `[out, in, kh, kw]` (OIHW);
 * - `linear`: TF `[in, out]` ↔ torch `[out, in]`;
 * - `linear-from-nchw`: a linear layer fed with a flattened RoI feature map: TF flattens
 *   `[h, w, c]` (NHWC), torch `[c, h, w]`, so the input columns are permuted as well;
 * - `deconv2x2`: a kernel-2 stride-2 transposed conv kept as a matrix: TF `[in, 2*2*out]`
 *   with columns ordered (row, column, out) ↔ torch ConvTranspose2d `[in, out, 2, 2]`;
 * - `vector`: the same in both (biases, BN parameters and statistics).
 */
export type ParamLayout =
  | { kind: 'conv' }
  | { kind: 'linear' }
  | { kind: 'linear-from-nchw'; channels: number; height: number; width: number }
  | { kind: 'deconv2x2' }
  | { kind: 'vector' };

/** One named parameter or buffer of the model. */
export interface Param {
  /** mmdetection / torchvision state-dict key, e.g. `backbone.layer1.0.conv1.weight`. */
  name: string;
  variable: tf.Variable;
  layout: ParamLayout;
  /** Updated by the optimizer (false for frozen stages and BN running statistics). */
  trainable: boolean;
  /** What the parameter is, for per-kind weight decay (mmdetection `paramwise_cfg`). */
  role: ParamRole;
}

/** A conv or linear weight, a bias, or a normalization layer's parameter or statistic. */
export type ParamRole = 'weight' | 'bias' | 'norm';

/** How a parameter is initialised (mmdetection's init_cfg for that layer). */
export type ParamInit =
  | { type: 'constant'; value: number }
  | { type: 'normal'; std: number }
  /** Kaiming normal, mode fan_out, ReLU gain: std = sqrt(2 / fan_out). */
  | { type: 'kaiming-fan-out'; fanOut: number }
  /** Xavier uniform: bound = sqrt(6 / (fan_in + fan_out)). */
  | { type: 'xavier-uniform'; fanIn: number; fanOut: number };

function initValues(size: number, init: ParamInit, rng: Rng): Float32Array {
  const out = new Float32Array(size);
  switch (init.type) {
    case 'constant':
      out.fill(init.value);
      break;
    case 'normal':
      for (let i = 0; i < size; i++) out[i] = init.std * rng.normal();
      break;
    case 'kaiming-fan-out': {
      const std = Math.sqrt(2 / init.fanOut);
      for (let i = 0; i < size; i++) out[i] = std * rng.normal();
      break;
    }
    case 'xavier-uniform': {
      const bound = Math.sqrt(6 / (init.fanIn + init.fanOut));
      for (let i = 0; i < size; i++) out[i] = (2 * rng.next() - 1) * bound;
      break;
    }
  }
  return out;
}

/** The model's parameters by state-dict name, in registration order. */
export class ParamStore {
  readonly #params = new Map<string, Param>();
  /** Whether the layers run in training mode (trainable batch norm then uses batch statistics). */
  readonly mode = { training: false };

  /**
   * `scope` prefixes the TF.js variable names, which must be unique in the process (two
   * models may live side by side); `Param.name` stays the plain state-dict key.
   */
  constructor(
    private readonly rng: Rng,
    readonly scope: string,
  ) {}

  /** Create and register a parameter with TF.js shape `shape`. */
  add(
    name: string,
    shape: number[],
    layout: ParamLayout,
    init: ParamInit,
    trainable: boolean,
    role: ParamRole = 'weight',
  ): tf.Variable {
    if (this.#params.has(name)) throw new Error(`parameter '${name}' is registered twice`);
    const size = shape.reduce((a, b) => a * b, 1);
    const variable = tf.tidy(() =>
      tf.variable(
        tf.tensor(initValues(size, init, this.rng), shape),
        trainable,
        `${this.scope}/${name}`,
      ),
    );
    this.#params.set(name, { name, variable, layout, trainable, role });
    return variable;
  }

  get(name: string): Param {
    const p = this.#params.get(name);
    if (!p) throw new Error(`no parameter '${name}'`);
    return p;
  }

  has(name: string): boolean {
    return this.#params.has(name);
  }

  all(): Param[] {
    return [...this.#params.values()];
  }

  /** The trainable parameters by state-dict name, as the optimizer and step function take them. */
  trainableByName(): Record<string, tf.Variable> {
    return Object.fromEntries(
      this.all()
        .filter((p) => p.trainable)
        .map((p) => [p.name, p.variable]),
    );
  }

  trainable(): tf.Variable[] {
    return this.all()
      .filter((p) => p.trainable)
      .map((p) => p.variable);
  }

  /** Number of scalar values, trainable or all. */
  count(trainableOnly = false): number {
    let n = 0;
    for (const p of this.#params.values()) if (!trainableOnly || p.trainable) n += p.variable.size;
    return n;
  }

  dispose(): void {
    for (const p of this.#params.values()) p.variable.dispose();
    this.#params.clear();
  }
}

/** The PyTorch shape of a parameter with TF.js shape `tfShape`. */
export function torchShape(layout: ParamLayout, tfShape: number[]): number[] {
  switch (layout.kind) {
    case 'conv':
      return [tfShape[3], tfShape[2], tfShape[0], tfShape[1]];
    case 'linear':
    case 'linear-from-nchw':
      return [tfShape[1], tfShape[0]];
    case 'deconv2x2':
      return [tfShape[0], tfShape[1] / 4, 2, 2];
    case 'vector':
      return tfShape;
  }
}

/** PyTorch-layout values → TF.js-layout tensor of shape `tfShape`. */
export function fromTorchLayout(
  values: Float32Array,
  layout: ParamLayout,
  tfShape: number[],
): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.tensor(values, torchShape(layout, tfShape));
    switch (layout.kind) {
      case 'conv':
        return tf.transpose(t, [2, 3, 1, 0]);
      case 'linear':
        return tf.transpose(t);
      case 'linear-from-nchw': {
        const { channels: c, height: h, width: w } = layout;
        const out = tfShape[1];
        return tf.reshape(tf.transpose(tf.reshape(t, [out, c, h, w]), [2, 3, 1, 0]), tfShape);
      }
      case 'deconv2x2':
        return tf.reshape(tf.transpose(t, [0, 2, 3, 1]), tfShape);
      case 'vector':
        return t;
    }
  });
}

/** TF.js-layout tensor → PyTorch-layout values and shape (read back asynchronously). */
export async function toTorchLayout(
  t: tf.Tensor,
  layout: ParamLayout,
): Promise<{ values: Float32Array; shape: number[] }> {
  const shape = torchShape(layout, t.shape);
  const values = tf.tidy(() => {
    switch (layout.kind) {
      case 'conv':
        return tf.transpose(t, [3, 2, 0, 1]);
      case 'linear':
        return tf.transpose(t);
      case 'linear-from-nchw': {
        const { channels: c, height: h, width: w } = layout;
        const out = t.shape[1] as number;
        return tf.reshape(tf.transpose(tf.reshape(t, [h, w, c, out]), [3, 2, 0, 1]), shape);
      }
      case 'deconv2x2': {
        const [cin, cols] = t.shape as [number, number];
        return tf.transpose(tf.reshape(t, [cin, 2, 2, cols / 4]), [0, 3, 1, 2]);
      }
      case 'vector':
        return tf.clone(t);
    }
  });
  const data = (await values.data()) as Float32Array;
  values.dispose();
  return { values: Float32Array.from(data), shape };
}
