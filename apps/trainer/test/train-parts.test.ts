import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@crat/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildLrSchedule,
  formatDuration,
  intervalToIters,
  MetricsLog,
  ProgressReporter,
  readMetrics,
} from '../src/train/index.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('learning-rate schedule', () => {
  const mmdet1x = buildLrSchedule({
    baseLr: 0.02,
    by: 'epoch',
    length: 12,
    itersPerEpoch: 1000,
    warmup: { type: 'linear', iters: 500, ratio: 0.001 },
    policy: { type: 'step', milestones: [8, 11], gamma: 0.1 },
  });

  it('warms up linearly from ratio * lr, as mmcv', () => {
    expect(mmdet1x.totalIters).toBe(12000);
    expect(mmdet1x.lrAt(0)).toBeCloseTo(0.02 * 0.001, 12);
    // mmcv: lr * (1 - (1 - i / 500) * (1 - 0.001))
    expect(mmdet1x.lrAt(250)).toBeCloseTo(0.02 * (1 - 0.5 * 0.999), 12);
    expect(mmdet1x.lrAt(499)).toBeCloseTo(0.02 * (1 - (1 / 500) * 0.999), 12);
    expect(mmdet1x.lrAt(500)).toBe(0.02);
  });

  it('steps after the milestone epochs', () => {
    expect(mmdet1x.lrAt(7999)).toBe(0.02);
    expect(mmdet1x.lrAt(8000)).toBeCloseTo(0.002, 12);
    expect(mmdet1x.lrAt(10999)).toBeCloseTo(0.002, 12);
    expect(mmdet1x.lrAt(11000)).toBeCloseTo(0.0002, 12);
    expect(mmdet1x.lrAt(11999)).toBeCloseTo(0.0002, 12);
  });

  it('anneals per iteration with cosine, and counts iterations when by iter', () => {
    const cos = buildLrSchedule({
      baseLr: 1,
      by: 'iter',
      length: 100,
      itersPerEpoch: 7,
      warmup: null,
      policy: { type: 'cosine', minLrRatio: 0.1 },
    });
    expect(cos.totalIters).toBe(100);
    expect(cos.lrAt(0)).toBe(1);
    expect(cos.lrAt(50)).toBeCloseTo(0.55, 12);
    expect(cos.lrAt(100)).toBeCloseTo(0.1, 12);
    const byIter = buildLrSchedule({
      baseLr: 1,
      by: 'iter',
      length: 10,
      itersPerEpoch: 3,
      warmup: null,
      policy: { type: 'step', milestones: [4], gamma: 0.5 },
    });
    expect([3, 4].map((i) => byIter.lrAt(i))).toEqual([1, 0.5]);
    expect(intervalToIters(2, 'epoch', 50)).toBe(100);
    expect(intervalToIters(2, 'iter', 50)).toBe(2);
    expect(() =>
      buildLrSchedule({
        ...byIter,
        baseLr: 1,
        by: 'iter',
        length: 1,
        itersPerEpoch: 0,
        warmup: null,
        policy: { type: 'constant' },
      }),
    ).toThrow(/itersPerEpoch/);
  });
});

describe('progress reporter', () => {
  const sink = (isTTY: boolean) => {
    const chunks: string[] = [];
    return { chunks, stream: { isTTY, columns: 200, write: (s: string) => chunks.push(s) } };
  };

  it('prints plain lines every interval without a TTY, with rate, ETA, lr and every loss term', () => {
    const { chunks, stream } = sink(false);
    let t = 0;
    const p = new ProgressReporter({ total: 100, interval: 10, stream, now: () => t });
    for (let i = 1; i <= 25; i++) {
      t += 500;
      p.update({ iter: i, epoch: 1, lr: 0.02, losses: { loss: 1.5, loss_cls: 0.25 } });
    }
    expect(chunks).toHaveLength(2);
    expect(chunks.join('')).not.toMatch(/\r/);
    expect(chunks[0]).toBe(
      'iter 10/100 (10.0%) · 2.00 it/s · eta 0:45 · epoch 1 · lr 2.00e-2 · loss 1.5000 · loss_cls 0.2500\n',
    );
    p.update({ iter: 100, losses: { loss: 1e-5 } });
    expect(chunks.at(-1)).toMatch(/^iter 100\/100 \(100\.0%\).*loss 1\.00e-5\n$/);
  });

  it('redraws one line on a TTY, throttled, and keeps messages above the bar', () => {
    const { chunks, stream } = sink(true);
    let t = 0;
    const p = new ProgressReporter({ total: 10, stream, now: () => t, redrawMs: 100 });
    t = 1000;
    p.update({ iter: 2, lr: 0.01, losses: { loss: 2 } });
    t = 1050;
    p.update({ iter: 3, lr: 0.01, losses: { loss: 2 } }); // throttled
    expect(chunks).toHaveLength(1);
    const CLEAR_LINE = '\r\x1b[2K';
    expect(chunks[0]!.startsWith(CLEAR_LINE)).toBe(true);
    expect(chunks[0]!.slice(CLEAR_LINE.length)).toMatch(
      /^\[######\.+\] {2}20% 2\/10 · 2\.00 it\/s · eta 0:04 · lr 1\.00e-2 · loss 2\.0000$/,
    );
    p.log('checkpoint saved');
    expect(chunks.at(-1)!.startsWith(`${CLEAR_LINE}checkpoint saved\n[`)).toBe(true);
    p.finish();
    expect(chunks.at(-1)).toBe('\n');
  });

  it('formats durations', () => {
    expect(formatDuration(59.6)).toBe('1:00');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Number.NaN)).toBe('--:--');
  });
});

describe('metrics log', () => {
  it('appends lines, truncates past an iteration, and skips a torn last line', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'crat-log-')), 'metrics.jsonl');
    const log = new MetricsLog(path);
    for (let i = 1; i <= 4; i++) log.append({ mode: 'train', iter: i, epoch: 1, loss: 1 / i });
    log.append({ mode: 'val', iter: 4, epoch: 1, AP: 0.1 });
    await log.truncateAfter(2);
    expect(readMetrics(path).map((r) => r.iter)).toEqual([1, 2]);
    writeFileSync(
      path,
      `${readMetrics(path)
        .map((r) => JSON.stringify(r))
        .join('\n')}\n{"mode":"tr`,
    );
    expect(readMetrics(path)).toHaveLength(2);
    writeFileSync(path, '{"mode":"train","iter":1}\nnot json\n{"mode":"train","iter":2}\n');
    expect(() => readMetrics(path)).toThrow(/metrics\.jsonl:2:/);
  });
});
