// Public API of @crat/loss-seesaw; importing it registers the `seesaw` classification loss.

import './register.js';

export { type SeesawAccuracy, seesawAccuracy } from './accuracy.js';
export { seesawScores } from './activation.js';
export { SEESAW_DEFAULTS, type SeesawOptions } from './options.js';
export { AVG_FACTOR_EPS, type SeesawStepInputs, seesawCrossEntropy } from './seesaw-ce.js';
export {
  type SeesawLogFactors,
  type SeesawRowTerms,
  seesawLogFactors,
  seesawRowTerms,
} from './seesaw-factors.js';
export { SeesawLoss, type SeesawState } from './seesaw-loss.js';
