// The mmdet bbox_coder.json fixture cases run on the active backend, read asynchronously so
// the same checks serve cpu, wasm and webgpu.

import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { DeltaXYWHBBoxCoder } from '../../src/index.js';
import { flat, loadOpsFixture } from './fixtures.js';

interface CoderCase {
  name: string;
  means: [number, number, number, number];
  stds: [number, number, number, number];
  bboxes: number[][];
}

interface CoderFixture {
  encode_cases: (CoderCase & { gt_bboxes: number[][]; deltas: number[][] })[];
  decode_cases: (CoderCase & {
    deltas: number[][];
    decoded: number[][];
    max_shape: [number, number] | null;
    wh_ratio_clip: number;
    clip_border: boolean;
    add_ctr_clamp: boolean;
    ctr_clamp: number;
  })[];
}

// float32 vs float64: absolute 1e-4 on pixel-sized values, relative for large decoded boxes
function close(got: ArrayLike<number>, want: number[], label: string): void {
  expect(got.length, label).toBe(want.length);
  want.forEach((w, i) => {
    expect(Math.abs(got[i] - w), `${label} [${i}]`).toBeLessThan(
      Math.max(1e-4, 2e-6 * Math.abs(w)),
    );
  });
}

async function readAndDispose(t: tf.Tensor): Promise<Float32Array> {
  const values = (await t.data()) as Float32Array;
  t.dispose();
  return values;
}

export async function checkBBoxEncodeCases(): Promise<void> {
  const fx = loadOpsFixture<CoderFixture>('bbox_coder');
  expect(fx.encode_cases.length).toBeGreaterThan(0);
  for (const c of fx.encode_cases) {
    const coder = new DeltaXYWHBBoxCoder({ means: c.means, stds: c.stds });
    const n = c.bboxes.length;
    const d = tf.tidy(() =>
      coder.encode(tf.tensor2d(flat(c.bboxes), [n, 4]), tf.tensor2d(flat(c.gt_bboxes), [n, 4])),
    );
    close(await readAndDispose(d), flat(c.deltas), c.name);
  }
}

export async function checkBBoxDecodeCases(): Promise<void> {
  const fx = loadOpsFixture<CoderFixture>('bbox_coder');
  expect(fx.decode_cases.length).toBeGreaterThan(0);
  for (const c of fx.decode_cases) {
    const coder = new DeltaXYWHBBoxCoder({
      means: c.means,
      stds: c.stds,
      clipBorder: c.clip_border,
      addCtrClamp: c.add_ctr_clamp,
      ctrClamp: c.ctr_clamp,
    });
    const n = c.bboxes.length;
    const cols = c.deltas[0].length;
    const out = tf.tidy(() =>
      coder.decode(tf.tensor2d(flat(c.bboxes), [n, 4]), tf.tensor2d(flat(c.deltas), [n, cols]), {
        maxShape: c.max_shape ?? undefined,
        whRatioClip: c.wh_ratio_clip,
      }),
    );
    expect(out.shape).toEqual([n, cols]);
    close(await readAndDispose(out), flat(c.decoded), c.name);
  }
}
