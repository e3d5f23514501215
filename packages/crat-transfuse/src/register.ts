// Side-effect import: registers `crat-bbox` and `crat-mask` in @crat/core's task-transfer registry.

import { taskTransfers } from '@crat/core';
import { CRAT_BOX_TYPE, CratBoxTransfer } from './crat-box-transfer.js';
import { CRAT_MASK_TYPE, CratMaskTransfer } from './crat-mask-transfer.js';
import { CRAT_BOX_DEFAULTS, CRAT_MASK_DEFAULTS } from './options.js';

// Registered on import; guarded so loading both the ESM and CJS builds does not register twice.
if (!taskTransfers.has(CRAT_BOX_TYPE)) {
  taskTransfers.register(CRAT_BOX_TYPE, {
    defaults: CRAT_BOX_DEFAULTS,
    description:
      'CRAT on the box-regression layer: Fisher-guided cross-class transfer of box targets',
    create: (options, init) => {
      if (init.branch !== 'bbox')
        throw new TypeError(`${CRAT_BOX_TYPE} attaches to the bbox branch, not '${init.branch}'`);
      return new CratBoxTransfer(init.numClasses, options);
    },
  });
}
if (!taskTransfers.has(CRAT_MASK_TYPE)) {
  taskTransfers.register(CRAT_MASK_TYPE, {
    defaults: CRAT_MASK_DEFAULTS,
    description:
      'CRAT on the mask-logits layer: mask targets transfused with the bbox branch (or mask Fisher) weights',
    create: (options, init) => {
      if (init.branch !== 'mask')
        throw new TypeError(`${CRAT_MASK_TYPE} attaches to the mask branch, not '${init.branch}'`);
      return new CratMaskTransfer(init.numClasses, options);
    },
  });
}
