import { readFixture } from '@crat/test-fixtures';

export interface EQLv2FixtureState {
  pos_grad: number[];
  neg_grad: number[];
  pos_neg: number[];
}

export interface EQLv2FixtureStep {
  step: number;
  inputs: { logits: number[][]; labels: number[] };
  state_before: EQLv2FixtureState;
  intermediate: { pos_weight: number[]; neg_weight: number[] };
  expected: {
    loss: number;
    grad_logits: number[][];
    state_after: EQLv2FixtureState;
    activation: number[][];
  };
}

export interface EQLv2FixtureCase {
  seed: number;
  config: {
    num_classes: number;
    num_logits: number;
    gamma: number;
    mu: number;
    alpha: number;
    loss_weight: number;
    test_with_obj: boolean;
  };
  initial_state: EQLv2FixtureState;
  steps: EQLv2FixtureStep[];
}

export function readEQLv2Fixture(): EQLv2FixtureCase[] {
  return readFixture<{ cases: EQLv2FixtureCase[] }>('losses', 'eqlv2.json').cases;
}
