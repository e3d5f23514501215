import { readFixture } from '@crat/test-fixtures';
import type { CratMode } from '../src/index.js';

export type M = number[][];

export const VARIANT_MODES: Record<string, CratMode> = {
  reference_shortcut: 'reference',
  exact_per_sample: 'exact',
  exact_per_sample_incl_fisher: 'exact-fisher',
};

export interface BoxVariant {
  fisher_before: M;
  cosine_similarity: M;
  f_n_i: M;
  updated_fisher_mask: number[];
  transfer_weight: M;
  loss_trans_raw: number;
  loss_bbox_trans: number;
  grad_loss_bbox_trans_wrt_bbox_pred: M;
  fisher_after: M;
}

export interface BoxStep {
  step: number;
  inputs: {
    labels: number[];
    label_weights: number[];
    features: M;
    fc_reg_weight: M;
    fc_reg_bias: number[];
    bbox_pred: M;
    bbox_targets: M;
    bbox_weights: M;
  };
  expected: {
    pos_indices: number[];
    pos_labels: number[];
    avg_factor: number;
    avg_factor_loss_bbox: number;
    class_grad: M;
    per_sample_grad_of_loss_bbox: M;
    per_sample_grad: M;
    loss_bbox_full: M;
  };
  variants: Record<string, BoxVariant>;
}

export interface BoxCase {
  seed: number;
  config: {
    num_classes: number;
    variants: string[];
    alpha: number;
    temperature: number;
    loss_weight_trans: number;
  };
  initial_fisher: M;
  steps: BoxStep[];
}

export interface MaskVariant {
  f_n_i: M;
  fisher_before: M;
  loss_trans_raw: number;
  loss_mask_trans: number;
  grad_loss_mask_trans_wrt_mask_logits: number[][][][];
  fisher_after: M;
}

export interface MaskStep {
  step: number;
  inputs: {
    pos_labels: number[];
    mask_features: number[][][][];
    conv_logits_weight: M;
    conv_logits_bias: number[];
    mask_logits: number[][][][];
    mask_targets: number[][][];
  };
  expected: {
    loss_mask: number;
    class_grad: M;
    per_sample_grad: M;
    loss_mask_full: M;
  };
  variants: Record<string, MaskVariant>;
}

export interface MaskCase {
  seed: number;
  config: { num_classes: number; variants: string[]; alpha: number; loss_weight_trans: number };
  initial_fisher: M;
  steps: MaskStep[];
}

export const boxFixture = () => readFixture<{ cases: BoxCase[] }>('losses', 'crat_bbox.json');
export const maskFixture = () => readFixture<{ cases: MaskCase[] }>('losses', 'crat_mask.json');

/** NCHW nested array → NHWC flat values with shape. */
export function nchwToNhwc(a: number[][][][]): {
  values: Float32Array;
  shape: [number, number, number, number];
} {
  const n = a.length;
  const c = a[0].length;
  const h = a[0][0].length;
  const w = a[0][0][0].length;
  const values = new Float32Array(n * h * w * c);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) values[((i * h + y) * w + x) * c + ch] = a[i][ch][y][x];
  return { values, shape: [n, h, w, c] };
}

/** Rows of `m` at `idx`. */
export const rows = (m: M, idx: number[]): M => idx.map((i) => m[i]);
