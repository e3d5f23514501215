import { readFixture } from '@crat/test-fixtures';

export interface GroupSoftmaxFixtureStep {
  step: number;
  inputs: { logits: number[][]; labels: number[]; group_sample_weights: number[][] };
  intermediate: {
    group_labels: number[][];
    group_weight_mode: string[];
    group_avg_factor: number[];
    group_loss: number[];
  };
  expected: { loss: number; grad_logits: number[][]; activation: number[][] };
}

export interface GroupSoftmaxFixtureCase {
  seed: number;
  config: {
    num_classes: number;
    beta: number;
    bin_split: number[];
    loss_weight: number;
    instance_counts: number[];
    num_groups: number;
    num_logits: number;
    group_of_class: number[];
    group_class_ids: number[][];
    num_classes_in_group: number[];
    group_label_maps: number[][];
    logit_layout: { group: number; position_in_group: number; meaning: string; class: number }[];
  };
  steps: GroupSoftmaxFixtureStep[];
}

export function readGroupSoftmaxFixture(): GroupSoftmaxFixtureCase[] {
  return readFixture<{ cases: GroupSoftmaxFixtureCase[] }>('losses', 'group_softmax.json').cases;
}
