import { readFixture } from '@crat/test-fixtures';

export interface SeesawFixtureStep {
  step: number;
  inputs: { logits: number[][]; labels: number[]; label_weights: number[]; avg_factor: number };
  state_before: { cum_samples: number[] };
  intermediate: {
    positive_sample_indices: number[];
    mitigation_factor: number[][];
    compensation_factor: number[][];
    seesaw_weights: number[][];
  };
  expected: {
    loss_cls_objectness: number;
    loss_cls_classes: number;
    loss: number;
    grad_logits: number[][];
    state_after: { cum_samples: number[] };
    activation: number[][];
    accuracy: { acc_objectness: number; acc_classes: number };
  };
}

export interface SeesawFixtureCase {
  seed: number;
  config: {
    num_classes: number;
    num_logits: number;
    p: number;
    q: number;
    eps: number;
    loss_weight: number;
    avg_factor_eps: number;
  };
  initial_state: { cum_samples: number[] };
  steps: SeesawFixtureStep[];
}

export function readSeesawFixture(): SeesawFixtureCase[] {
  return readFixture<{ cases: SeesawFixtureCase[] }>('losses', 'seesaw.json').cases;
}
