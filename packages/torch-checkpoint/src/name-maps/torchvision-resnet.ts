// torchvision ImageNet ResNet names (`conv1`, `bn1`, `layerN.*`, `fc`) → mmdetection backbone names, for backbone initialisation.

import type { TorchTensor } from '../dtypes.js';
import { applyRenameRules, type RenameOptions, type RenameResult } from './rename-rules.js';

const BN_FIELD = '(weight|bias|running_mean|running_var)';

/**
 * A ResNet parameter below the network's root, as torchvision and mmdetection both name it
 * (mmdetection's ResNet keeps torchvision's names: `layer1.0.conv1`, `downsample.0/1`).
 */
export const RESNET_PARAM = new RegExp(
  `^(conv1\\.weight|bn1\\.${BN_FIELD}|layer[1-4]\\.\\d+\\.(conv[1-3]\\.weight|bn[1-3]\\.${BN_FIELD}|downsample\\.0\\.weight|downsample\\.1\\.${BN_FIELD}))$`,
);

/** BN batch counters (our model and mmdetection's frozen BN never read them). */
export const BN_BATCH_COUNTER = /(^|\.)num_batches_tracked$/;

export interface ResnetMapOptions extends RenameOptions {
  /** Prefix of the backbone in the target model (default `backbone.`). */
  prefix?: string;
}

/**
 * An ImageNet ResNet state dict (`torchvision.models.resnet50().state_dict()`, mmdetection's
 * `torchvision://resnet50`) as backbone parameters: `conv1.weight` → `backbone.conv1.weight`;
 * the classifier `fc.*` and BN batch counters are dropped.
 */
export function torchvisionResnetToMmdet(
  tensors: ReadonlyMap<string, TorchTensor>,
  opts: ResnetMapOptions = {},
): RenameResult {
  const prefix = opts.prefix ?? 'backbone.';
  return applyRenameRules(
    tensors,
    [{ pattern: RESNET_PARAM, target: (m) => `${prefix}${m[0]}` }],
    new RegExp(`^fc\\.(weight|bias)$|${BN_BATCH_COUNTER.source}`),
    opts,
  );
}
