// The ResNet-18/34/50 backbone with torchvision parameter names and the norm its config names
// (frozen BN by default), giving C2..C5.

import * as tf from '@tensorflow/tfjs-core';
import type { BackboneConfig, NormConfig } from '../config.js';
import { ConvNorm } from '../layers.js';
import type { ParamStore } from '../params.js';

const STAGE_BLOCKS: Record<BackboneConfig['depth'], number[]> = {
  18: [2, 2, 2, 2],
  34: [3, 4, 6, 3],
  50: [3, 4, 6, 3],
};

interface Block {
  apply(x: tf.Tensor4D): tf.Tensor4D;
}

interface StageFlags {
  trainable: boolean;
  bnTrainable: boolean;
  zeroGamma: number | undefined;
  norm: NormConfig;
}

/** torchvision BasicBlock (ResNet-18/34). */
class BasicBlock implements Block {
  static readonly expansion = 1;
  readonly conv1: ConvNorm;
  readonly conv2: ConvNorm;
  readonly downsample?: ConvNorm;

  constructor(
    store: ParamStore,
    name: string,
    inC: number,
    planes: number,
    stride: number,
    f: StageFlags,
  ) {
    const o = { trainable: f.trainable, bnTrainable: f.bnTrainable, norm: f.norm };
    this.conv1 = new ConvNorm(store, `${name}.conv1`, `${name}.bn1`, inC, planes, 3, {
      ...o,
      stride,
    });
    this.conv2 = new ConvNorm(store, `${name}.conv2`, `${name}.bn2`, planes, planes, 3, {
      ...o,
      gamma: f.zeroGamma,
    });
    if (stride !== 1 || inC !== planes) {
      this.downsample = new ConvNorm(
        store,
        `${name}.downsample.0`,
        `${name}.downsample.1`,
        inC,
        planes,
        1,
        {
          ...o,
          stride,
        },
      );
    }
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    const identity = this.downsample ? this.downsample.apply(x, 'linear') : x;
    const out = this.conv2.apply(this.conv1.apply(x, 'relu'), 'linear');
    return tf.relu(tf.add(out, identity)) as tf.Tensor4D;
  }
}

/** torchvision Bottleneck (ResNet-50), stride on the 3x3 conv (mmdetection style='pytorch'). */
class Bottleneck implements Block {
  static readonly expansion = 4;
  readonly conv1: ConvNorm;
  readonly conv2: ConvNorm;
  readonly conv3: ConvNorm;
  readonly downsample?: ConvNorm;

  constructor(
    store: ParamStore,
    name: string,
    inC: number,
    planes: number,
    stride: number,
    f: StageFlags,
  ) {
    const o = { trainable: f.trainable, bnTrainable: f.bnTrainable, norm: f.norm };
    const outC = planes * Bottleneck.expansion;
    this.conv1 = new ConvNorm(store, `${name}.conv1`, `${name}.bn1`, inC, planes, 1, o);
    this.conv2 = new ConvNorm(store, `${name}.conv2`, `${name}.bn2`, planes, planes, 3, {
      ...o,
      stride,
    });
    this.conv3 = new ConvNorm(store, `${name}.conv3`, `${name}.bn3`, planes, outC, 1, {
      ...o,
      gamma: f.zeroGamma,
    });
    if (stride !== 1 || inC !== outC) {
      this.downsample = new ConvNorm(
        store,
        `${name}.downsample.0`,
        `${name}.downsample.1`,
        inC,
        outC,
        1,
        {
          ...o,
          stride,
        },
      );
    }
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    const identity = this.downsample ? this.downsample.apply(x, 'linear') : x;
    const out = this.conv3.apply(this.conv2.apply(this.conv1.apply(x, 'relu'), 'relu'), 'linear');
    return tf.relu(tf.add(out, identity)) as tf.Tensor4D;
  }
}

/**
 * ResNet backbone with torchvision parameter names under `backbone.` and `cfg.norm` after every conv.
 * Returns C2..C5 (strides 4, 8, 16, 32).
 */
export class ResNet {
  readonly stem: ConvNorm;
  readonly stages: Block[][] = [];
  /** Channels of C2..C5. */
  readonly outChannels: number[] = [];

  constructor(store: ParamStore, cfg: BackboneConfig, prefix = 'backbone') {
    const stemTrainable = cfg.frozenStages < 0;
    this.stem = new ConvNorm(store, `${prefix}.conv1`, `${prefix}.bn1`, 3, cfg.baseChannels, 7, {
      stride: 2,
      pad: 3,
      trainable: stemTrainable,
      bnTrainable: stemTrainable && cfg.normRequiresGrad,
      norm: cfg.norm,
    });
    const bottleneck = cfg.depth === 50;
    const expansion = bottleneck ? Bottleneck.expansion : BasicBlock.expansion;
    let inC = cfg.baseChannels;
    STAGE_BLOCKS[cfg.depth].forEach((numBlocks, s) => {
      const planes = cfg.baseChannels * 2 ** s;
      const trainable = s + 1 > cfg.frozenStages;
      const flags: StageFlags = {
        trainable,
        bnTrainable: trainable && cfg.normRequiresGrad,
        zeroGamma: cfg.zeroInitResidual ? 0 : undefined,
        norm: cfg.norm,
      };
      const blocks: Block[] = [];
      for (let b = 0; b < numBlocks; b++) {
        const name = `${prefix}.layer${s + 1}.${b}`;
        const stride = b === 0 && s > 0 ? 2 : 1;
        blocks.push(
          bottleneck
            ? new Bottleneck(store, name, inC, planes, stride, flags)
            : new BasicBlock(store, name, inC, planes, stride, flags),
        );
        inC = planes * expansion;
      }
      this.stages.push(blocks);
      this.outChannels.push(inC);
    });
  }

  apply(images: tf.Tensor4D): tf.Tensor4D[] {
    let x = this.stem.apply(images, 'relu');
    x = tf.maxPool(x, 3, 2, 1);
    const outs: tf.Tensor4D[] = [];
    for (const blocks of this.stages) {
      for (const block of blocks) x = block.apply(x);
      outs.push(x);
    }
    return outs;
  }
}
