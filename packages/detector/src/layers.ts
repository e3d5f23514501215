// The layers the detector is built from (conv, conv + norm with frozen BN folded in, linear, 2x2 deconv,
// nearest upsampling), their gradients routed around the wasm backend's slow or missing kernels.

import * as tf from '@tensorflow/tfjs-core';
import type { NormConfig } from './config.js';
import { buildNorm, FrozenBatchNorm, type Norm } from './norm.js';
import type { ParamInit, ParamStore } from './params.js';

export type Activation = 'relu' | 'linear';

export interface ConvOptions {
  stride?: number;
  /** Symmetric zero padding in pixels, as PyTorch's `padding` (default (k-1)/2). */
  pad?: number;
  bias?: boolean;
  weightInit: ParamInit;
  trainable?: boolean;
}

/** A 2-D convolution with PyTorch padding semantics; weights HWIO, stored as `${name}.weight` / `.bias`. */
export class Conv2d {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;
  readonly stride: number;
  readonly pad: number;

  constructor(
    store: ParamStore,
    name: string,
    inChannels: number,
    outChannels: number,
    kernel: number,
    opts: ConvOptions,
  ) {
    this.stride = opts.stride ?? 1;
    this.pad = opts.pad ?? (kernel - 1) / 2;
    const trainable = opts.trainable ?? true;
    this.weight = store.add(
      `${name}.weight`,
      [kernel, kernel, inChannels, outChannels],
      { kind: 'conv' },
      opts.weightInit,
      trainable,
    );
    if (opts.bias ?? true) {
      this.bias = store.add(
        `${name}.bias`,
        [outChannels],
        { kind: 'vector' },
        { type: 'constant', value: 0 },
        trainable,
        'bias',
      );
    }
  }

  apply(x: tf.Tensor4D, activation: Activation = 'linear'): tf.Tensor4D {
    return tf.fused.conv2d({
      x,
      filter: this.weight as tf.Tensor4D,
      strides: this.stride,
      pad: this.pad,
      bias: this.bias,
      activation,
    });
  }
}

/** mmdetection `ConvModule`'s name of its norm layer: `bn` or `gn`. */
export function normName(norm: NormConfig): string {
  return norm.type === 'GN' ? 'gn' : 'bn';
}

/**
 * A bias-free conv followed by a norm layer (mmdetection's `ConvModule`). A frozen BN is folded
 * into one fused conv (output or filter scaled per channel); trainable BN and GN follow the conv.
 */
export class ConvNorm {
  readonly conv: Conv2d;
  readonly bn: Norm;

  constructor(
    store: ParamStore,
    convName: string,
    bnName: string,
    inChannels: number,
    outChannels: number,
    kernel: number,
    opts: {
      stride?: number;
      pad?: number;
      trainable: boolean;
      bnTrainable: boolean;
      gamma?: number;
      norm?: NormConfig;
      /** Conv weight init (default Kaiming fan-out, as mmdetection's ResNet). */
      weightInit?: ParamInit;
    },
  ) {
    this.conv = new Conv2d(store, convName, inChannels, outChannels, kernel, {
      stride: opts.stride,
      pad: opts.pad,
      bias: false,
      weightInit: opts.weightInit ?? {
        type: 'kaiming-fan-out',
        fanOut: outChannels * kernel * kernel,
      },
      trainable: opts.trainable,
    });
    this.bn = buildNorm(store, bnName, outChannels, opts.norm ?? { type: 'FrozenBN' }, {
      trainable: opts.bnTrainable,
      ...(opts.gamma !== undefined ? { gamma: opts.gamma } : {}),
    });
  }

  apply(x: tf.Tensor4D, activation: Activation): tf.Tensor4D {
    if (!(this.bn instanceof FrozenBatchNorm)) {
      const y = this.bn.apply(
        tf.conv2d(x, this.conv.weight as tf.Tensor4D, this.conv.stride, this.conv.pad),
      );
      return activation === 'relu' ? tf.relu(y) : y;
    }
    const { scale, shift } = this.bn.scaleShift();
    const [kh, kw, ci, co] = this.conv.weight.shape;
    const s = this.conv.stride;
    const outputSize = x.shape[0] * Math.ceil(x.shape[1] / s) * Math.ceil(x.shape[2] / s) * co;
    // Scale whichever is smaller: deep stages have filters ~150x larger than their outputs
    // (3x3x512x512 against 2x4x4x512 at 128 px), and the filter route costs a filter-sized
    // multiply forward plus a multiply and a sum backward (the gamma gradient) every step.
    if (kh * kw * ci * co <= outputSize) {
      return tf.fused.conv2d({
        x,
        filter: tf.mul(this.conv.weight, scale) as tf.Tensor4D,
        strides: s,
        pad: this.conv.pad,
        bias: shift,
        activation,
      });
    }
    const y = tf.add(
      tf.mul(tf.conv2d(x, this.conv.weight as tf.Tensor4D, s, this.conv.pad), scale),
      shift,
    ) as tf.Tensor4D;
    return activation === 'relu' ? tf.relu(y) : y;
  }
}

/**
 * `act(x @ w + bias)` whose gradient uses explicit transposes: the wasm backend runs
 * `matMul(a, b, transposeA=true)` (TF.js's built-in weight gradient) on a scalar slow path,
 * measured 25-30 s against 0.6-0.8 s for transpose + plain matMul on a 1024x12544 · 1024x1024
 * product (2 cores).
 */
export function denseMatMul(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  bias: tf.Tensor1D | undefined,
  activation: Activation,
): tf.Tensor2D {
  const hasBias = bias !== undefined;
  const f = (
    ...args: (tf.Tensor | tf.GradSaveFunc)[]
  ): { value: tf.Tensor2D; gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => tf.Tensor[] } => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [xi, wi, bi] = args.slice(0, -1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D | undefined];
    const value = tf.fused.matMul({ a: xi, b: wi, bias: bi, activation }) as tf.Tensor2D;
    save([xi, wi, value]);
    return {
      value,
      gradFunc: (dy, saved) => {
        const [sx, sw, sy] = saved;
        const g = activation === 'relu' ? tf.mul(dy, tf.step(sy)) : dy;
        const grads = [tf.matMul(g, tf.transpose(sw)), tf.matMul(tf.transpose(sx), g)];
        if (hasBias) grads.push(tf.sum(g, 0));
        return grads;
      },
    };
  };
  return (hasBias ? tf.customGrad(f)(x, w, bias) : tf.customGrad(f)(x, w)) as tf.Tensor2D;
}

/** A fully connected layer; kernel `[in, out]` (TF.js) stored as torch `[out, in]`. */
export class Linear {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    store: ParamStore,
    name: string,
    inFeatures: number,
    outFeatures: number,
    weightInit: ParamInit,
    fromNchw?: { channels: number; height: number; width: number },
  ) {
    this.weight = store.add(
      `${name}.weight`,
      [inFeatures, outFeatures],
      fromNchw ? { kind: 'linear-from-nchw', ...fromNchw } : { kind: 'linear' },
      weightInit,
      true,
    );
    this.bias = store.add(
      `${name}.bias`,
      [outFeatures],
      { kind: 'vector' },
      { type: 'constant', value: 0 },
      true,
      'bias',
    );
  }

  apply(x: tf.Tensor2D, activation: Activation = 'linear'): tf.Tensor2D {
    return denseMatMul(x, this.weight as tf.Tensor2D, this.bias as tf.Tensor1D, activation);
  }
}

/**
 * A kernel-2 stride-2 transposed convolution (mmdetection's mask-head `upsample`). With
 * kernel = stride the output pixels do not overlap, so it is one matrix product followed
 * by a depth-to-space rearrangement; that needs no Conv2DBackpropFilter kernel.
 */
export class Deconv2x2 {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly outChannels: number;

  constructor(store: ParamStore, name: string, inChannels: number, outChannels: number) {
    this.outChannels = outChannels;
    // PyTorch ConvTranspose2d weight is [in, out, 2, 2]: its fan_out for kaiming is in * 2 * 2.
    this.weight = store.add(
      `${name}.weight`,
      [inChannels, 4 * outChannels],
      { kind: 'deconv2x2' },
      { type: 'kaiming-fan-out', fanOut: inChannels * 4 },
      true,
    );
    this.bias = store.add(
      `${name}.bias`,
      [outChannels],
      { kind: 'vector' },
      { type: 'constant', value: 0 },
      true,
      'bias',
    );
  }

  apply(x: tf.Tensor4D, activation: Activation = 'linear'): tf.Tensor4D {
    const [n, h, w, c] = x.shape;
    const o = this.outChannels;
    // Bias and activation act per output pixel, so they fuse into the product (bias repeated for
    // the 4 kernel positions): two fewer full-size tensors on the tape.
    const y = denseMatMul(
      tf.reshape(x, [n * h * w, c]),
      this.weight as tf.Tensor2D,
      tf.tile(this.bias, [4]) as tf.Tensor1D,
      activation,
    );
    // [n, h, w, 2, 2, o] → [n, h, 2, w, 2, o] → [n, 2h, 2w, o]
    return tf.reshape(tf.transpose(tf.reshape(y, [n, h, w, 2, 2, o]), [0, 1, 3, 2, 4, 5]), [
      n,
      2 * h,
      2 * w,
      o,
    ]) as tf.Tensor4D;
  }
}

/**
 * Nearest-neighbour upsampling to `[h, w]` (PyTorch `F.interpolate(mode='nearest')`). The
 * exact 2x case (every FPN level of a 32-divisible input) is two broadcasts, whose gradient is
 * a plain sum; other sizes fall back to `resizeNearestNeighbor`.
 */
export function upsampleNearest(x: tf.Tensor4D, size: [number, number]): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const [th, tw] = size;
  if (th === 2 * h && tw === 2 * w) {
    const twice = tf.ones([1, 2, 1]);
    const alongW = tf.mul(tf.reshape(x, [n * h * w, 1, c]), twice); // [n*h*w, 2, c]
    const alongH = tf.mul(tf.reshape(alongW, [n * h, 1, 2 * w * c]), twice); // [n*h, 2, 2w*c]
    return tf.reshape(alongH, [n, th, tw, c]) as tf.Tensor4D;
  }
  return tf.image.resizeNearestNeighbor(x, size, false, false);
}
