// The parity-check helpers (test/parity/) against the fixture's own forward pass: torchvision's anchors, its mask convention, and the matching rules.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  fixturesDir,
  maskIou,
  matchBoxes,
  matchDetections,
  scaledMaxDiff,
} from '@crat/test-fixtures';
import { describe, expect, it } from 'vitest';
import { torchvisionAnchors } from './parity/torchvision-anchors.js';

type Values = Float32Array | Int32Array | Uint8Array;

/** The fixture's expected.safetensors (F32, I32 and U8 tensors), by name. */
function readExpected(): Map<string, { shape: number[]; data: Values }> {
  const bytes = readFileSync(join(fixturesDir(), 'torchvision', 'expected.safetensors'));
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const out = new Map<string, { shape: number[]; data: Values }>();
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    // A copy, so the typed array is aligned.
    const raw = bytes.subarray(
      8 + headerLength + e.data_offsets[0],
      8 + headerLength + e.data_offsets[1],
    );
    const copy = new Uint8Array(raw).buffer;
    const data =
      e.dtype === 'F32'
        ? new Float32Array(copy)
        : e.dtype === 'I32'
          ? new Int32Array(copy)
          : new Uint8Array(copy);
    out.set(name, { shape: e.shape, data });
  }
  return out;
}

const expected = readExpected();
const get = (name: string) => {
  const t = expected.get(name);
  if (!t) throw new Error(`expected.safetensors has no '${name}'`);
  return t;
};

describe("torchvision's conventions, as the fixture shows them", () => {
  it('anchors: integer cell anchors centred at 0, level / row / column / ratio order, exactly', () => {
    const levels = [...expected.keys()].filter((n) => /^fpn_p\d_nchw$/.test(n)).sort();
    const featureHW = levels.map((n) => get(n).shape.slice(2, 4) as [number, number]);
    const [, h, w] = get('input_image_chw').shape;
    // The fixture model's anchor generator (README): one size per level from 32, ratios 0.5 / 1 / 2.
    const sizes = levels.map((_, l) => [32 * 2 ** l]);
    const anchors = torchvisionAnchors([h, w], featureHW, sizes, [0.5, 1, 2]);
    expect(Array.from(anchors)).toEqual(Array.from(get('rpn_anchors_xyxy').data));
  });

  it("mask probabilities are the sigmoid of the label's channel (background is channel 0)", () => {
    const logits = get('mask_logits_tv_nchw');
    const labels = get('det_labels_tv').data;
    const [d, c, s] = logits.shape;
    const probs = new Float32Array(d * s * s);
    for (let i = 0; i < d; i++) {
      for (let p = 0; p < s * s; p++) {
        probs[i * s * s + p] = 1 / (1 + Math.exp(-logits.data[(i * c + labels[i]) * s * s + p]));
      }
    }
    expect(scaledMaxDiff(probs, get('mask_probs_28').data).maxDiff).toBeLessThan(1e-6);
    // mmdetection's conv_logits have no background channel: torchvision's label l is channel l - 1.
    expect(Math.min(...labels)).toBeGreaterThanOrEqual(1);
  });
});

describe('the matching rules', () => {
  const boxes = get('det_boxes_xyxy').data as Float32Array;
  const dets = { boxes, scores: get('det_scores').data, labels: get('det_labels_tv').data };

  it('match a set with itself completely, and miss what moved, changed label or score', () => {
    expect(matchDetections(dets, dets).fraction).toBe(1);
    const moved = Float32Array.from(boxes);
    for (let k = 0; k < 4; k++) moved[k] += 5; // detection 0 shifted by 5 px
    const classes = get('mask_logits_tv_nchw').shape[1] - 1;
    const relabelled = Int32Array.from(dets.labels);
    relabelled[1] = (relabelled[1] % classes) + 1;
    const rescored = Float32Array.from(dets.scores);
    rescored[2] += 2e-4;
    const got = matchDetections({ boxes: moved, scores: rescored, labels: relabelled }, dets);
    expect(got.matched).toBe(dets.scores.length - 3);
    expect([got.pairs[0], got.pairs[1], got.pairs[2]]).toEqual([-1, -1, -1]);
  });

  it('proposals match one to one even in another order', () => {
    const proposals = get('rpn_proposals_xyxy').data as Float32Array;
    const n = proposals.length / 4;
    const reversed = new Float32Array(proposals.length);
    for (let i = 0; i < n; i++) reversed.set(proposals.subarray(4 * i, 4 * i + 4), 4 * (n - 1 - i));
    const m = matchBoxes(reversed, proposals, 0.999);
    expect(m.fraction).toBeGreaterThanOrEqual(0.99);
    expect(m.pairs[0]).toBe(n - 1);
  });

  it('tolerance and mask IoU', () => {
    const fpn = get('fpn_p2_nchw').data as Float32Array;
    const nudged = Float32Array.from(fpn, (v) => v + 1e-6);
    expect(scaledMaxDiff(nudged, fpn).ok).toBe(true);
    expect(
      scaledMaxDiff(
        Float32Array.from(fpn, (v) => v * 1.01),
        fpn,
      ).ok,
    ).toBe(false);
    const pasted = get('pasted_masks_binary');
    const size = pasted.shape[1] * pasted.shape[2];
    expect(maskIou(pasted.data, 0, pasted.data, 0, size)).toBe(1);
  });
});
