// Tell which naming a state dict uses, and bring any of the known ones to mmdetection's names.

import type { TorchTensor } from '../dtypes.js';
import { applyRenameRules, type RenameOptions, type RenameResult } from './rename-rules.js';
import { torchvisionMaskRcnnToMmdet } from './torchvision-mask-rcnn.js';
import { BN_BATCH_COUNTER, torchvisionResnetToMmdet } from './torchvision-resnet.js';

/** The state-dict namings this package maps: mmdetection's own and two of torchvision's. */
export type CheckpointNaming = 'mmdet' | 'torchvision-mask-rcnn' | 'torchvision-resnet';

/** The naming of a state dict from its tensor names, or `undefined` when it is none of them. */
export function guessNaming(names: Iterable<string>): CheckpointNaming | undefined {
  const list = [...names];
  const has = (re: RegExp) => list.some((n) => re.test(n));
  if (has(/^(backbone\.body|backbone\.fpn|rpn\.head|roi_heads)\./)) return 'torchvision-mask-rcnn';
  if (has(/^(backbone|neck|rpn_head|roi_head)\./)) return 'mmdet';
  if (has(/^conv1\.weight$/) && has(/^layer1\./)) return 'torchvision-resnet';
  return undefined;
}

/**
 * A state dict under mmdetection names, whatever its naming. mmdetection's own names pass
 * through (BN batch counters dropped, as for the others); `torchvision-resnet` lands under
 * `backbone.`.
 */
export function toMmdetNames(
  tensors: ReadonlyMap<string, TorchTensor>,
  naming: CheckpointNaming,
  opts: RenameOptions = {},
): RenameResult {
  switch (naming) {
    case 'mmdet':
      return applyRenameRules(
        tensors,
        [{ pattern: /^.+$/, target: (m) => m[0] }],
        BN_BATCH_COUNTER,
        opts,
      );
    case 'torchvision-mask-rcnn':
      return torchvisionMaskRcnnToMmdet(tensors, opts);
    case 'torchvision-resnet':
      return torchvisionResnetToMmdet(tensors, opts);
  }
}
