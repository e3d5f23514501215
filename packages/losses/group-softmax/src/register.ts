// Side-effect import: registers `group-softmax` in @crat/core's classification-loss registry.

import { classificationLosses } from '@crat/core';
import { GroupSoftmaxLoss } from './group-softmax-loss.js';
import { GROUP_SOFTMAX_DEFAULTS } from './options.js';

// Guarded: the ESM and CJS builds share one registry (on globalThis) and may both load.
if (!classificationLosses.has('group-softmax')) {
  classificationLosses.register('group-softmax', {
    defaults: GROUP_SOFTMAX_DEFAULTS,
    description:
      'Balanced Group Softmax: per-group softmax by instance-count bins, C+1+G logits, needs class counts',
    create: (options, init) => new GroupSoftmaxLoss(init, options),
  });
}
