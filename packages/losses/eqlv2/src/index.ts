// Public API of @crat/loss-eqlv2; importing it registers the `eqlv2` classification loss.

import './register.js';

export { eqlv2Scores } from './activation.js';
export { type ColumnWeights, eqlv2ColumnWeights } from './column-weights.js';
export { EQLv2Loss, type EQLv2State } from './eqlv2-loss.js';
export { EQLV2_DEFAULTS, type EQLv2Options } from './options.js';
export { type WeightedSigmoidResult, weightedSigmoidCrossEntropy } from './weighted-sigmoid-ce.js';
