// Side-effect import: registers `eqlv2` in @crat/core's classification-loss registry.

import { classificationLosses } from '@crat/core';
import { EQLv2Loss } from './eqlv2-loss.js';
import { EQLV2_DEFAULTS } from './options.js';

// Guarded: the ESM and CJS builds share one registry (on globalThis) and may both load.
if (!classificationLosses.has('eqlv2')) {
  classificationLosses.register('eqlv2', {
    defaults: EQLV2_DEFAULTS,
    description: 'EQLv2: C+1 sigmoid logits re-weighted by accumulated pos/neg gradients',
    create: (options, init) => new EQLv2Loss(init, options),
  });
}
