// Side-effect import: registers `seesaw` in @crat/core's classification-loss registry.

import { classificationLosses } from '@crat/core';
import { SEESAW_DEFAULTS } from './options.js';
import { SeesawLoss } from './seesaw-loss.js';

// Guarded: the ESM and CJS builds share one registry (on globalThis) and may both load.
if (!classificationLosses.has('seesaw')) {
  classificationLosses.register('seesaw', {
    defaults: SEESAW_DEFAULTS,
    description: 'Seesaw: C+2 logits (classes + objectness), mitigation p and compensation q',
    create: (options, init) => new SeesawLoss(init, options),
  });
}
