import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AnchorGenerator,
  batchedNms,
  boxIou,
  initBackend,
  maskTargets,
  nms,
  pasteMasks,
} from '../src/index.js';
import { checkBBoxDecodeCases, checkBBoxEncodeCases } from './helpers/bbox-coder-cases.js';
import { flat, loadOpsFixture } from './helpers/fixtures.js';

beforeAll(async () => {
  await initBackend('cpu');
  await initBackend('wasm');
});

const f32 = (a: number[][] | number[]) => Float32Array.from(flat(a as number[][]));

describe('nms / batchedNms / boxIou (torchvision nms.json)', () => {
  const fx = loadOpsFixture<{
    boxes: number[][];
    scores: number[];
    idxs: number[];
    nms: { iou_threshold: number; keep: number[] }[];
    batched_nms: { iou_threshold: number; keep: number[] }[];
    box_iou: { boxes1: number[][]; boxes2: number[][]; iou: number[][] };
  }>('nms');
  const boxes = f32(fx.boxes);
  const scores = Float32Array.from(fx.scores);

  it('nms keeps exactly torchvision indices at every threshold', () => {
    expect(fx.nms.length).toBeGreaterThan(0);
    for (const c of fx.nms)
      expect(Array.from(nms(boxes, scores, c.iou_threshold)), `thr ${c.iou_threshold}`).toEqual(
        c.keep,
      );
  });

  it('nms honours maxOutput', () => {
    const c = fx.nms[fx.nms.length - 1];
    const k = Math.max(1, Math.floor(c.keep.length / 2));
    expect(Array.from(nms(boxes, scores, c.iou_threshold, k))).toEqual(c.keep.slice(0, k));
  });

  it('batchedNms keeps exactly torchvision indices at every threshold', () => {
    const ids = Int32Array.from(fx.idxs);
    for (const c of fx.batched_nms) {
      expect(
        Array.from(batchedNms(boxes, scores, ids, c.iou_threshold)),
        `thr ${c.iou_threshold}`,
      ).toEqual(c.keep);
    }
  });

  it("batchedNms equals plain nms on class-offset boxes (torchvision's trick), with ties and maxOutput", () => {
    // Random boxes in 5 classes, scores on a coarse grid so many tie.
    let state = 12345;
    const rand = () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 2147483648;
    };
    for (let trial = 0; trial < 20; trial++) {
      const n = 300;
      const bx = new Float32Array(n * 4);
      const sc = new Float32Array(n);
      const ids = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const x = rand() * 100;
        const y = rand() * 100;
        bx.set([x, y, x + 5 + rand() * 30, y + 5 + rand() * 30], i * 4);
        sc[i] = Math.floor(rand() * 20) / 20;
        ids[i] = Math.floor(rand() * 5);
      }
      const shifted = bx.map((v, k) => v + ids[Math.floor(k / 4)] * 1000);
      for (const maxOutput of [Infinity, 7, 60]) {
        expect(Array.from(batchedNms(bx, sc, ids, 0.5, maxOutput)), `trial ${trial}`).toEqual(
          Array.from(nms(shifted, sc, 0.5, maxOutput)),
        );
      }
    }
  });

  it('boxIou matches to 1e-6', () => {
    const { boxes1, boxes2, iou } = fx.box_iou;
    const got = boxIou(f32(boxes1), f32(boxes2));
    const want = flat(iou);
    expect(got.length).toBe(want.length);
    want.forEach((w, i) => {
      if (Number.isNaN(w)) expect(Number.isNaN(got[i])).toBe(true);
      else expect(Math.abs(got[i] - w)).toBeLessThan(1e-6);
    });
  });
});

describe.each(['cpu', 'wasm'])('DeltaXYWHBBoxCoder on %s (mmdet bbox_coder.json)', (backend) => {
  it('encodes', async () => {
    await tf.setBackend(backend);
    await checkBBoxEncodeCases();
  });

  it('decodes (clipping, wh-ratio clip, several classes, centre clamp)', async () => {
    await tf.setBackend(backend);
    await checkBBoxDecodeCases();
  });
});

describe('AnchorGenerator (mmdet anchors.json)', () => {
  const fx = loadOpsFixture<{
    config: {
      strides: number[];
      ratios: number[];
      scales: number[];
      base_sizes: number[];
      center_offset: number;
    };
    cases: {
      img_shape: [number, number];
      levels: {
        stride: number;
        featmap_size: [number, number];
        base_anchors: number[][];
        anchors: number[][];
      }[];
    }[];
  }>('anchors');
  const gen = new AnchorGenerator({
    strides: fx.config.strides,
    ratios: fx.config.ratios,
    scales: fx.config.scales,
    baseSizes: fx.config.base_sizes,
    centerOffset: fx.config.center_offset,
  });

  it('base anchors and grid anchors match to 1e-4 in mmdet order', () => {
    expect(gen.numBaseAnchors).toBe(fx.config.ratios.length * fx.config.scales.length);
    expect(fx.cases.length).toBeGreaterThan(0);
    for (const c of fx.cases) {
      const grids = gen.gridAnchors(c.levels.map((l) => l.featmap_size));
      c.levels.forEach((l, li) => {
        const base = flat(l.base_anchors);
        base.forEach((v, i) => {
          expect(Math.abs(gen.baseAnchors[li][i] - v)).toBeLessThan(1e-4);
        });
        const want = flat(l.anchors);
        expect(grids[li].length, `${c.img_shape} level ${li}`).toBe(want.length);
        let worst = 0;
        want.forEach((v, i) => {
          worst = Math.max(worst, Math.abs(grids[li][i] - v));
        });
        expect(worst, `${c.img_shape} level ${li}`).toBeLessThan(1e-4);
      });
    }
  });
});

describe('maskTargets (mmdet mask_target.json)', () => {
  const fx = loadOpsFixture<{
    img_height: number;
    img_width: number;
    mask_size: [number, number];
    gt_masks: number[][][];
    proposals: number[][];
    pos_assigned_gt_inds: number[];
    targets: number[][][];
    ambiguous_pixels: [number, number, number][];
  }>('mask_target');

  it('crops and binarises exactly, except the listed ambiguous pixels', () => {
    const size = fx.mask_size[0];
    const gt = fx.gt_masks.map((m) => Uint8Array.from(flat(m)));
    const got = maskTargets(
      f32(fx.proposals),
      fx.pos_assigned_gt_inds.map((g) => gt[g]),
      fx.img_height,
      fx.img_width,
      size,
    );
    const ambiguous = new Set(fx.ambiguous_pixels.map(([p, r, c]) => (p * size + r) * size + c));
    const want = flat(fx.targets);
    expect(got.length).toBe(want.length);
    const wrong: number[] = [];
    want.forEach((v, i) => {
      if (!ambiguous.has(i) && got[i] !== v) wrong.push(i);
    });
    expect(wrong).toEqual([]);
  });
});

describe('pasteMasks (mmdet paste_mask.json)', () => {
  const fx = loadOpsFixture<{
    threshold: number;
    mask_size: [number, number];
    cases: {
      name: string;
      img_height: number;
      img_width: number;
      boxes: number[][];
      masks: number[][][];
      pasted_soft: number[][][];
      pasted_binary: number[][][];
      ambiguous_pixels: [number, number, number][];
    }[];
  }>('paste_mask');

  it('soft values to 1e-5 and binary masks exactly', () => {
    expect(fx.cases.length).toBeGreaterThan(0);
    const size = fx.mask_size[0];
    for (const c of fx.cases) {
      const boxes = f32(c.boxes);
      const masks = f32(c.masks.flat());
      const soft = pasteMasks(masks, size, boxes, c.img_height, c.img_width, -1);
      const bin = pasteMasks(masks, size, boxes, c.img_height, c.img_width, fx.threshold);
      const plane = c.img_height * c.img_width;
      const ambiguous = new Set(
        c.ambiguous_pixels.map(([n, y, x]) => n * plane + y * c.img_width + x),
      );
      c.pasted_soft.forEach((m, n) => {
        const want = flat(m);
        let worst = 0;
        want.forEach((v, i) => {
          worst = Math.max(worst, Math.abs(soft[n][i] - v));
        });
        expect(worst, `${c.name} box ${n} soft`).toBeLessThan(1e-5);
        const wantBin = flat(c.pasted_binary[n]);
        const wrong = wantBin.filter(
          (v, i) => !ambiguous.has(n * plane + i) && bin[n][i] !== v,
        ).length;
        expect(wrong, `${c.name} box ${n} binary`).toBe(0);
      });
    }
  });
});
