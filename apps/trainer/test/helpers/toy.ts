import {
  type ImageSampler,
  type LossTerms,
  type PluginState,
  Rng,
  type Stateful,
} from '@crat/core';
import { gradientStep, type StepOutput } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import {
  type BatchSource,
  buildLrSchedule,
  jsonWeightsIO,
  type RunTrainingOptions,
  type StepContext,
} from '../../src/train/index.js';

/** A shuffled epoch-wise sampler over `n` items, resumable: enough ImageSampler for the loop's tests. */
export class ToySampler implements ImageSampler {
  readonly type = 'toy';
  #epoch = 0;
  #offset = 0;
  constructor(
    readonly n: number,
    readonly seed: number,
  ) {}
  epochIndices(epoch: number): Int32Array {
    const rng = new Rng(this.seed * 1000 + epoch);
    const a = Int32Array.from({ length: this.n }, (_, i) => i);
    for (let i = a.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }
  take(count: number): { epoch: number; index: number }[] {
    const out: { epoch: number; index: number }[] = [];
    while (out.length < count) {
      const idx = this.epochIndices(this.#epoch);
      out.push({ epoch: this.#epoch, index: idx[this.#offset]! });
      if (++this.#offset === idx.length) {
        this.#epoch++;
        this.#offset = 0;
      }
    }
    return out;
  }
  position() {
    return { epoch: this.#epoch, offset: this.#offset };
  }
  getState(): PluginState {
    return { epoch: this.#epoch, offset: this.#offset };
  }
  setState(s: PluginState): void {
    this.#epoch = s.epoch as number;
    this.#offset = s.offset as number;
  }
}

/** A running statistic updated every step, as EQLv2's gradient accumulators are. */
export class LossEma implements Stateful {
  value = 0;
  update(x: number): number {
    this.value = 0.9 * this.value + 0.1 * x;
    return this.value;
  }
  getState(): PluginState {
    return { value: this.value };
  }
  setState(s: PluginState): void {
    this.value = s.value as number;
  }
}

export interface ToyBatch {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
}

/** A tiny 2-layer regression MLP on a fixed random dataset of `n` items. */
export function makeToy(n = 24, inDim = 6, hidden = 8, noise = true) {
  const rng = new Rng(7);
  const data = Array.from({ length: n }, () => Array.from({ length: inDim }, () => rng.normal()));
  const target = data.map((row) => [row.reduce((a, b, i) => a + b * (i % 3 === 0 ? 1 : -0.5), 0)]);
  const init = (shape: number[], name: string) =>
    tf.variable(
      tf.tensor(
        Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 0.3 * rng.normal()),
        shape,
      ),
      true,
      name,
    );
  const uid = Math.random().toString(36).slice(2);
  const params = {
    'fc1.weight': init([inDim, hidden], `fc1w_${uid}`),
    'fc1.bias': init([hidden], `fc1b_${uid}`),
    'fc2.weight': init([hidden, 1], `fc2w_${uid}`),
  };
  const ema = new LossEma();
  // The model's own step randomness, checkpointed beside the EMA: resume must restore it.
  const stepRng = new Rng(11);
  const loader = (images: { index: number }[]): ToyBatch => ({
    x: tf.tensor2d(images.map((i) => data[i.index]!)),
    y: tf.tensor2d(images.map((i) => target[i.index]!)),
  });
  const dispose = (b: ToyBatch) => {
    b.x.dispose();
    b.y.dispose();
  };
  const lossFn = (b: ToyBatch): LossTerms => {
    // Input noise from the model's RNG, so resume must restore the RNG too.
    const jitter = tf.mul(
      tf.tensor2d(
        Array.from({ length: b.x.size }, () => (noise ? stepRng.normal() : 0)),
        b.x.shape,
      ),
      0.01,
    );
    const h = tf.relu(
      tf.add(tf.matMul(tf.add(b.x, jitter), params['fc1.weight']), params['fc1.bias']),
    );
    const out = tf.matMul(h, params['fc2.weight']);
    const mse = tf.mean(tf.square(tf.sub(out, b.y))) as tf.Scalar;
    const l1 = tf.mul(tf.mean(tf.abs(params['fc2.weight'])), 0.01) as tf.Scalar;
    return { loss_mse: mse, loss_l1: l1 };
  };
  const step = gradientStep<ToyBatch, StepContext>(params, lossFn);
  const emaStep = async (b: ToyBatch, ctx: StepContext): Promise<StepOutput> => {
    const out = await step(b, ctx);
    out.losses.ema = ema.update(out.losses.loss_mse!); // stateful: resume must restore it
    return out;
  };
  return {
    params,
    loader,
    dispose,
    step: emaStep,
    ema,
    stateful: { ema, rng: stepRng },
    weights: jsonWeightsIO(params),
    free: () => {
      for (const v of Object.values(params)) v.dispose();
    },
  };
}

/**
 * Batches from `sampler` + `loader`, `prefetch` micro-batches ahead. The sampler's state is
 * captured before each take, so a checkpoint records the cursor of the first batch not yet
 * trained on, not of the last one loaded.
 */
export function prefetchingSource<Batch>(
  sampler: ImageSampler,
  loader: (images: { epoch: number; index: number }[]) => Batch | Promise<Batch>,
  batchSize: number,
  prefetch: number,
  disposeBatch?: (batch: Batch) => void,
): BatchSource<Batch> {
  const depth = Math.max(1, prefetch);
  const queue: { samplerState: PluginState; batch: Promise<Batch> }[] = [];
  const fill = () => {
    while (queue.length < depth) {
      const samplerState = sampler.getState();
      const images = sampler.take(batchSize);
      const batch = Promise.resolve().then(() => loader(images));
      batch.catch(() => {}); // surfaced when awaited
      queue.push({ samplerState, batch });
    }
  };
  return {
    async next() {
      fill();
      const head = queue.shift()!;
      fill();
      return head.batch;
    },
    samplerState: () => (queue.length ? queue[0]!.samplerState : sampler.getState()),
    async close() {
      for (const e of queue.splice(0)) {
        await e.batch.then((b) => disposeBatch?.(b)).catch(() => {});
      }
    },
  };
}

/**
 * `runTraining` options for the toy model over 24 items in batches of 2 (prefetched):
 * `length` steps at a constant lr 0.05, SGD momentum 0.9, weight decay 1e-3, no clipping,
 * a checkpoint every 4 steps, no progress output, no SIGINT handler; `over` replaces any.
 */
export function toyTraining(
  toy: ReturnType<typeof makeToy>,
  workDir: string,
  over: Partial<RunTrainingOptions<ToyBatch>> & { length?: number } = {},
): RunTrainingOptions<ToyBatch> {
  const { length = 12, ...rest } = over;
  const sampler = new ToySampler(24, 3);
  return {
    params: toy.params,
    step: toy.step,
    batches: (state) => {
      if (state) sampler.setState(state);
      return prefetchingSource(sampler, toy.loader, 2, 2, toy.dispose);
    },
    disposeBatch: toy.dispose,
    schedule: buildLrSchedule({
      baseLr: 0.05,
      by: 'iter',
      length,
      itersPerEpoch: 12,
      warmup: null,
      policy: { type: 'constant' },
    }),
    optimizer: { momentum: 0.9, weightDecay: 1e-3, gradClip: null },
    weights: toy.weights,
    stateful: toy.stateful,
    workDir,
    checkpointInterval: 4,
    progress: false,
    handleSigint: false,
    ...rest,
  };
}
