// The benchmarks' step timer: warm-up untimed, every timed run counted, a leak refused.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { timeSteps } from '../src/step-timing.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('timeSteps', () => {
  it('runs the warm-up untimed, then the timed runs, and orders the figures', async () => {
    let calls = 0;
    const lines: string[] = [];
    const t = await timeSteps(
      async () => {
        calls++;
        const x = tf.ones([4]);
        await x.data();
        x.dispose();
      },
      { runs: 5, warmup: 2, label: 'ones', progress: (l) => lines.push(l) },
    );
    expect(calls).toBe(7);
    expect(t.runs).toBe(5);
    expect(t.minMs).toBeLessThanOrEqual(t.medianMs);
    expect(t.minMs).toBeLessThanOrEqual(t.meanMs);
    expect(lines).toContain('\rones: 5/5');
  });

  it('refuses a step that leaves tensors behind, naming it', async () => {
    const kept: tf.Tensor[] = [];
    await expect(
      timeSteps(
        async () => {
          kept.push(tf.zeros([2]));
        },
        { runs: 3, warmup: 0, label: 'leaky', progress: () => {} },
      ),
    ).rejects.toThrow('timeSteps(leaky): 3 tensors left behind over 3 runs');
    tf.dispose(kept);
  });

  it('refuses a run count that is not a positive integer', async () => {
    await expect(timeSteps(async () => {}, { runs: 0, label: 'none' })).rejects.toThrow(
      'runs must be a positive integer',
    );
  });
});
