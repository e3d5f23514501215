// Public API of @crat/loss-group-softmax; importing it registers the `group-softmax` loss.

import './register.js';

export { groupSoftmaxScores } from './activation.js';
export {
  buildGroupLayout,
  type GroupLayout,
  type LogitColumn,
  remapLabels,
} from './group-layout.js';
export {
  type GroupStepInputs,
  groupAvgFactors,
  groupSoftmaxCrossEntropy,
} from './group-softmax-ce.js';
export {
  type GroupSoftmaxHooks,
  GroupSoftmaxLoss,
  type GroupSoftmaxState,
} from './group-softmax-loss.js';
export { type GroupedProbabilities, groupedProbabilities } from './grouped-probabilities.js';
export { GROUP_SOFTMAX_DEFAULTS, type GroupSoftmaxOptions } from './options.js';
export {
  type GroupSampleWeights,
  type GroupWeightMode,
  groupSampleWeights,
  type OthersSampler,
  SeededOthersSampler,
} from './others-sampling.js';
