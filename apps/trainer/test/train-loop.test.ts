import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PluginState } from '@crat/core';
import { initBackend } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildLrSchedule,
  type IterRecord,
  type RunTrainingOptions,
  readMetrics,
  runTraining,
} from '../src/train/index.js';
import { makeToy, prefetchingSource, type ToyBatch, ToySampler } from './helpers/toy.js';

beforeAll(async () => {
  await initBackend('cpu');
});

const tmp = () => mkdtempSync(join(tmpdir(), 'crat-train-'));

function options(
  toy: ReturnType<typeof makeToy>,
  workDir: string,
  o: Partial<RunTrainingOptions<ToyBatch>> & { batchSize?: number; prefetch?: number } = {},
): RunTrainingOptions<ToyBatch> {
  const { batchSize: micro = 2, prefetch = 2, ...over } = o;
  const batchSize = 2;
  const accumulationSteps = 2;
  const n = 24;
  const sampler = new ToySampler(n, 3);
  return {
    params: toy.params,
    step: toy.step,
    batches: (state) => {
      if (state) sampler.setState(state);
      return prefetchingSource(sampler, toy.loader, micro, prefetch, toy.dispose);
    },
    disposeBatch: toy.dispose,
    accumulationSteps,
    schedule: buildLrSchedule({
      baseLr: 0.05,
      by: 'epoch',
      length: 5,
      itersPerEpoch: n / (batchSize * accumulationSteps),
      warmup: { type: 'linear', iters: 8, ratio: 0.001 },
      policy: { type: 'step', milestones: [3, 4], gamma: 0.1 },
    }),
    optimizer: { momentum: 0.9, weightDecay: 1e-3, gradClip: { maxNorm: 2 } },
    weights: toy.weights,
    stateful: toy.stateful,
    workDir,
    checkpointInterval: 10,
    maxKeep: 2,
    progress: false,
    handleSigint: false,
    ...over,
  };
}

const snapshot = (params: Record<string, tf.Variable>) =>
  Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.from(v.dataSync())]));

describe('runTraining', () => {
  it('an interrupted then resumed run gives exactly the losses and weights of an uninterrupted one', async () => {
    const a = makeToy();
    const full: IterRecord[] = [];
    const dirA = tmp();
    const resA = await runTraining(
      options(a, dirA, { hooks: [{ afterStep: (_loop, r) => void full.push(r) }] }),
    );
    expect(resA).toMatchObject({ status: 'completed', iter: 30 });
    const weightsA = snapshot(a.params);

    const b = makeToy();
    const dirB = tmp();
    const stop = new AbortController();
    const first: IterRecord[] = [];
    const resB = await runTraining(
      options(b, dirB, {
        signal: stop.signal,
        hooks: [
          {
            afterStep: (_loop, r) => {
              first.push(r);
              if (r.iter === 13) stop.abort();
            },
          },
        ],
      }),
    );
    expect(resB.status).toBe('interrupted');
    expect(resB.iter).toBe(13);
    expect(resB.checkpoint).toMatch(/iter_000013$/);
    b.free();

    // A fresh process: new variables (re-initialised), new sampler, new plug-in state.
    const c = makeToy();
    const second: IterRecord[] = [];
    const resC = await runTraining(
      options(c, dirB, { resume: true, hooks: [{ afterStep: (_loop, r) => void second.push(r) }] }),
    );
    expect(resC).toMatchObject({ status: 'completed', iter: 30 });
    const pick = (r: IterRecord) => [r.iter, r.epoch, r.lr, r.loss, r.loss_mse, r.ema, r.grad_norm];
    expect([...first, ...second].map(pick)).toEqual(full.map(pick));
    expect(snapshot(c.params)).toEqual(weightsA);

    // the log reads as one run, and training made progress
    const logged = readMetrics(join(dirB, 'metrics.jsonl')).filter((r) => r.mode === 'train');
    expect(logged.map((r) => r.loss)).toEqual(full.map((r) => r.loss));
    expect(full.at(-1)!.loss_mse).toBeLessThan(full[0]!.loss_mse as number);
    a.free();
    c.free();
  });

  it('resumes exactly through a batch source that drives the sampler itself', async () => {
    // As @crat/data's DataLoader: it takes from the sampler, prefetches 3 batches ahead and
    // reports the cursor after the last batch it handed out.
    const sourceFor =
      (toy: ReturnType<typeof makeToy>, built: string[]) => (state: PluginState | null) => {
        const sampler = new ToySampler(24, 3);
        if (state) sampler.setState(state);
        built.push(state ? `resume@${JSON.stringify(state)}` : 'fresh');
        let consumed = sampler.getState();
        const queue: { after: PluginState; batch: ToyBatch }[] = [];
        const fill = () => {
          while (queue.length < 3)
            queue.push({ batch: toy.loader(sampler.take(2)), after: sampler.getState() });
        };
        return {
          async next() {
            fill();
            const head = queue.shift()!;
            consumed = head.after;
            return head.batch;
          },
          samplerState: () => consumed,
          async close() {
            for (const q of queue.splice(0)) toy.dispose(q.batch);
          },
        };
      };
    const run = async (
      toy: ReturnType<typeof makeToy>,
      dir: string,
      built: string[],
      over = {},
    ) => {
      const records: IterRecord[] = [];
      const { batches: _b, ...rest } = options(toy, dir, {
        hooks: [{ afterStep: (_loop, r) => void records.push(r) }],
        ...over,
      });
      const res = await runTraining({ ...rest, batches: sourceFor(toy, built) });
      return { res, records };
    };
    const a = makeToy();
    const full = await run(a, tmp(), []);
    const dir = tmp();
    const stop = new AbortController();
    const b = makeToy();
    const built: string[] = [];
    const first = await run(b, dir, built, {
      signal: stop.signal,
      hooks: [
        { afterStep: (_loop: unknown, r: IterRecord) => void (r.iter === 7 && stop.abort()) },
      ],
    });
    const c = makeToy();
    const second = await run(c, dir, built, { resume: true });
    expect(first.res.iter).toBe(7);
    expect(built[0]).toBe('fresh');
    expect(built[1]).toMatch(/^resume@/);
    const losses = (rs: IterRecord[]) => rs.map((r) => r.loss);
    const firstLosses = readMetrics(join(dir, 'metrics.jsonl'))
      .filter((r) => r.mode === 'train')
      .map((r) => r.loss);
    expect(firstLosses).toEqual(losses(full.records));
    expect(second.records[0]!.iter).toBe(8);
    expect(snapshot(c.params)).toEqual(snapshot(a.params));
    for (const t of [a, b, c]) t.free();
  });

  it('resumes from a periodic checkpoint and drops log lines past it', async () => {
    const a = makeToy();
    const dir = tmp();
    const stop = new AbortController();
    await runTraining(
      options(a, dir, {
        signal: stop.signal,
        hooks: [{ afterStep: (_loop, r) => void (r.iter === 10 && stop.abort()) }],
      }),
    );
    // pretend the run went on past the checkpoint and crashed without saving
    const more = makeToy();
    await runTraining(
      options(more, dir, {
        resume: join(dir, 'checkpoints', 'iter_000010'),
        checkpointInterval: 0,
        signal: AbortSignal.abort(),
      }),
    );
    const lines = readMetrics(join(dir, 'metrics.jsonl'));
    expect(lines.at(-1)!.iter).toBe(10);
    a.free();
    more.free();
  });

  it('turns SIGINT into a checkpoint and a clean return, then removes its handler', async () => {
    const toy = makeToy();
    const dir = tmp();
    const before = process.listenerCount('SIGINT');
    // Without a listener Node would die on SIGINT; the loop's own handler must catch it.
    const res = await runTraining(
      options(toy, dir, {
        handleSigint: true,
        hooks: [{ afterStep: (_loop, r) => void (r.iter === 5 && process.emit('SIGINT')) }],
      }),
    );
    expect(res).toMatchObject({ status: 'interrupted', iter: 5 });
    expect(readFileSync(join(dir, 'last_checkpoint'), 'utf8').trim()).toBe(
      'checkpoints/iter_000005',
    );
    expect(process.listenerCount('SIGINT')).toBe(before);
    toy.free();
  });

  it('keeps the number of tensors flat across steps', async () => {
    const toy = makeToy();
    const counts: number[] = [];
    await runTraining(
      options(toy, tmp(), {
        prefetch: 1,
        hooks: [{ afterStep: () => void counts.push(tf.memory().numTensors) }],
      }),
    );
    // momentum buffers exist from step 1 on; nothing grows after that
    expect(new Set(counts.slice(1)).size).toBe(1);
    toy.free();
  });

  it('writes checkpoints atomically, keeps the newest maxKeep, and logs every step', async () => {
    const toy = makeToy();
    const dir = tmp();
    await runTraining(options(toy, dir, { checkpointInterval: 5, maxKeep: 2 }));
    const kept = readdirSync(join(dir, 'checkpoints'));
    expect(kept).toEqual(['iter_000025', 'iter_000030']);
    const ckpt = join(dir, 'checkpoints', 'iter_000030');
    for (const f of ['model.json', 'optimizer.json', 'plugins.json', 'sampler.json', 'meta.json']) {
      expect(existsSync(join(ckpt, f))).toBe(true);
    }
    const meta = JSON.parse(readFileSync(join(ckpt, 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ iter: 30, epoch: 5, weights: 'model.json', totalIters: 30 });
    const plugins = JSON.parse(readFileSync(join(ckpt, 'plugins.json'), 'utf8'));
    expect(Object.keys(plugins).sort()).toEqual(['ema', 'rng']);
    const optimizer = JSON.parse(readFileSync(join(ckpt, 'optimizer.json'), 'utf8'));
    expect(Object.keys(optimizer.momentumBuffers).sort()).toEqual(Object.keys(toy.params).sort());
    const lines = readMetrics(join(dir, 'metrics.jsonl'));
    expect(lines.map((l) => l.iter)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(lines[0]).toMatchObject({ mode: 'train', epoch: 1 });
    expect(Object.keys(lines[0]!)).toEqual(
      expect.arrayContaining([
        'lr',
        'loss',
        'loss_mse',
        'loss_l1',
        'grad_norm',
        'time',
        'data_time',
      ]),
    );
    toy.free();
  });

  it('evaluates every evalInterval steps and logs the result', async () => {
    const toy = makeToy();
    const dir = tmp();
    const at: number[] = [];
    await runTraining(
      options(toy, dir, {
        evalInterval: 12,
        evaluate: ({ iter }) => {
          at.push(iter);
          return { bbox_AP: iter / 100 };
        },
      }),
    );
    expect(at).toEqual([12, 24]);
    const val = readMetrics(join(dir, 'metrics.jsonl')).filter((r) => r.mode === 'val');
    expect(val).toEqual([
      { mode: 'val', iter: 12, epoch: 2, bbox_AP: 0.12 },
      { mode: 'val', iter: 24, epoch: 4, bbox_AP: 0.24 },
    ]);
    toy.free();
  });

  it('averages accumulated micro-batches: 2 x 1 image accumulated equals 1 x 2 images', async () => {
    const runs: Record<string, number[]>[] = [];
    for (const [batchSize, accumulationSteps] of [
      [1, 2],
      [2, 1],
    ] as const) {
      // no step noise: the RNG is consumed per micro-batch differently in the two set-ups
      const toy = makeToy(24, 6, 8, false);
      await runTraining(
        options(toy, tmp(), {
          batchSize,
          accumulationSteps,
          schedule: buildLrSchedule({
            baseLr: 0.05,
            by: 'iter',
            length: 6,
            itersPerEpoch: 12,
            warmup: null,
            policy: { type: 'constant' },
          }),
          optimizer: { momentum: 0.9, weightDecay: 0, gradClip: null },
        }),
      );
      runs.push(snapshot(toy.params));
      toy.free();
    }
    for (const k of Object.keys(runs[0]!)) {
      runs[0]![k]!.forEach((v, i) => {
        expect(v).toBeCloseTo(runs[1]![k]![i]!, 5);
      });
    }
  });
});
