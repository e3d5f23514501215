import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { ensureDataset } from '../src/run/synth-dataset.js';
import { NonFiniteError, readMetrics, runTraining, type StepContext } from '../src/train/index.js';
import { runTs } from './helpers/child-process.js';
import { writeTinyConfig } from './helpers/tiny-config.js';
import { makeToy, type ToyBatch, toyTraining } from './helpers/toy.js';

// A non-finite loss or gradient stops the run before the optimizer applies it, names the
// step and the term, keeps the last good checkpoint, and `crat train` exits non-zero.

beforeAll(async () => {
  await initBackend('cpu');
});

describe('divergence', () => {
  it('a NaN loss term stops the run at that step, before the update; the last good checkpoint stays', async () => {
    const toy = makeToy();
    const dir = mkdtempSync(join(tmpdir(), 'crat-nan-'));
    const step = async (b: ToyBatch, ctx: StepContext) => {
      const out = await toy.step(b, ctx);
      if (ctx.iter === 11) out.losses.loss_l1 = Number.NaN; // the 12th step
      return out;
    };
    const err = await runTraining(
      toyTraining(toy, dir, { step, length: 20, checkpointInterval: 5 }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteError);
    expect((err as NonFiniteError).iter).toBe(12);
    expect((err as Error).message).toMatch(
      /^training diverged at step 12: non-finite loss \(loss_l1 = NaN\)\. Nothing was saved for it; the last good checkpoint is .*iter_000010 \(a lower learning rate/,
    );
    expect(readdirSync(join(dir, 'checkpoints'))).toEqual(['iter_000005', 'iter_000010']);
    expect(readMetrics(join(dir, 'metrics.jsonl')).at(-1)!.iter).toBe(11);
    expect(tf.memory().numTensors).toBeLessThan(100); // the step's gradients were freed
    toy.free();
  });

  it('a non-finite gradient under finite losses names the parameter', async () => {
    const toy = makeToy();
    const dir = mkdtempSync(join(tmpdir(), 'crat-nan-'));
    const step = async (b: ToyBatch, ctx: StepContext) => {
      const out = await toy.step(b, ctx);
      if (ctx.iter === 2) {
        const g = out.grads['fc1.bias']!;
        out.grads['fc1.bias'] = tf.div(g, tf.zerosLike(g));
        g.dispose();
      }
      return out;
    };
    await expect(
      runTraining(toyTraining(toy, dir, { step, length: 20, checkpointInterval: 5 })),
    ).rejects.toThrow(
      /^training diverged at step 3: non-finite gradient \(norm (NaN|Infinity) in fc1\.bias\)\. Nothing was saved; there is no earlier checkpoint \(/,
    );
    expect(existsSync(join(dir, 'checkpoints'))).toBe(false);
    toy.free();
  });

  it('crat train with optimizer.lr=1e30 stops with the step and the loss term, and exits 1', async () => {
    const root = mkdtempSync(join(tmpdir(), 'crat-lr-'));
    const config = writeTinyConfig(root);
    await ensureDataset((await loadConfig(config)).config.dataset);
    const run = runTs('test/helpers/cli-child.ts', [
      'train',
      '--config',
      config,
      '--work-dir',
      join(root, 'work'),
      '--cfg-options',
      'optimizer.lr=1e30',
      'schedule.warmup=None',
    ]);
    const { code } = await run.done;
    expect(code, run.output()).toBe(1);
    expect(run.output()).toMatch(
      /crat: training diverged at step \d+: non-finite loss \(loss_cls = (NaN|Infinity|-Infinity)/,
    );
  });
});
