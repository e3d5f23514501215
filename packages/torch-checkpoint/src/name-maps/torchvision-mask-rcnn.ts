// torchvision detection MaskRCNN names → mmdetection names, moving torchvision's background class (index 0) where mmdetection's heads want it.

import { TorchCheckpointError } from '../checkpoint-error.js';
import type { TorchTensor } from '../dtypes.js';
import {
  applyRenameRules,
  type RenameOptions,
  type RenameResult,
  type RenameRule,
} from './rename-rules.js';
import { BN_BATCH_COUNTER, RESNET_PARAM } from './torchvision-resnet.js';

const WB = '(weight|bias)';
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** torchvision's classifier is [background, class 1..C]; mmdetection's softmax head is [class 0..C-1, background]. */
const backgroundLast = (n: number) => [...range(1, n), 0];
/** torchvision's box deltas include 4 background rows; mmdetection's class-wise `fc_reg` has none. */
const dropBackgroundDeltas = (n: number, name: string) => {
  if (n % 4 !== 0 || n < 8) throw new Error(`${name}: ${n} rows is not 4 × (classes + 1)`);
  return range(4, n);
};
/** torchvision's mask logits include a background channel; mmdetection's `conv_logits` has none. */
const dropBackgroundChannel = (n: number) => range(1, n);

const rule = (
  pattern: string,
  target: (m: RegExpMatchArray) => string,
  rows?: RenameRule['rows'],
): RenameRule => ({ pattern: new RegExp(`^${pattern}$`), target, rows });

/**
 * Rules for torchvision 0.13+ names and the older ones it still upgrades on load
 * (`rpn.head.conv.*`, `fpn.inner_blocks.{i}.*`, `mask_head.mask_fcn{i}.*`).
 */
const MASK_RCNN_RULES: RenameRule[] = [
  { pattern: /^backbone\.body\.(.+)$/, target: (m) => `backbone.${m[1]}` },
  rule(
    `backbone\\.fpn\\.inner_blocks\\.(\\d+)(?:\\.0)?\\.${WB}`,
    (m) => `neck.lateral_convs.${m[1]}.conv.${m[2]}`,
  ),
  rule(
    `backbone\\.fpn\\.layer_blocks\\.(\\d+)(?:\\.0)?\\.${WB}`,
    (m) => `neck.fpn_convs.${m[1]}.conv.${m[2]}`,
  ),
  rule(`rpn\\.head\\.conv(?:\\.0\\.0)?\\.${WB}`, (m) => `rpn_head.rpn_conv.${m[1]}`),
  rule(`rpn\\.head\\.cls_logits\\.${WB}`, (m) => `rpn_head.rpn_cls.${m[1]}`),
  rule(`rpn\\.head\\.bbox_pred\\.${WB}`, (m) => `rpn_head.rpn_reg.${m[1]}`),
  rule(`roi_heads\\.box_head\\.fc6\\.${WB}`, (m) => `roi_head.bbox_head.shared_fcs.0.${m[1]}`),
  rule(`roi_heads\\.box_head\\.fc7\\.${WB}`, (m) => `roi_head.bbox_head.shared_fcs.1.${m[1]}`),
  rule(
    `roi_heads\\.box_predictor\\.cls_score\\.${WB}`,
    (m) => `roi_head.bbox_head.fc_cls.${m[1]}`,
    backgroundLast,
  ),
  rule(
    `roi_heads\\.box_predictor\\.bbox_pred\\.${WB}`,
    (m) => `roi_head.bbox_head.fc_reg.${m[1]}`,
    dropBackgroundDeltas,
  ),
  rule(
    `roi_heads\\.mask_head\\.(\\d+)\\.0\\.${WB}`,
    (m) => `roi_head.mask_head.convs.${m[1]}.conv.${m[2]}`,
  ),
  rule(
    `roi_heads\\.mask_head\\.mask_fcn(\\d+)\\.${WB}`,
    (m) => `roi_head.mask_head.convs.${Number(m[1]) - 1}.conv.${m[2]}`,
  ),
  rule(
    `roi_heads\\.mask_predictor\\.conv5_mask\\.${WB}`,
    (m) => `roi_head.mask_head.upsample.${m[1]}`,
  ),
  rule(
    `roi_heads\\.mask_predictor\\.mask_fcn_logits\\.${WB}`,
    (m) => `roi_head.mask_head.conv_logits.${m[1]}`,
    dropBackgroundChannel,
  ),
];

/** The three class-wise layers must agree on the number of classes C. */
function checkClassCounts(out: Map<string, TorchTensor>, file: string): void {
  const rows = (name: string) => out.get(name)?.shape[0];
  const cls = rows('roi_head.bbox_head.fc_cls.weight');
  const reg = rows('roi_head.bbox_head.fc_reg.weight');
  const mask = rows('roi_head.mask_head.conv_logits.weight');
  const counts = [
    cls === undefined ? undefined : cls - 1,
    reg === undefined ? undefined : reg / 4,
    mask,
  ].filter((c) => c !== undefined);
  if (new Set(counts).size > 1) {
    throw new TorchCheckpointError(
      file,
      'state dict',
      `the heads disagree on the number of classes: cls_score ${cls} rows, bbox_pred ${reg}, mask logits ${mask}`,
    );
  }
}

/**
 * A torchvision `MaskRCNN` / `FasterRCNN` state dict (e.g. `maskrcnn_resnet50_fpn`) under
 * mmdetection's `mask_rcnn_r50_fpn` names. The classifier's background row moves from first to
 * last (C+1 logits, background C); box deltas and mask logits lose theirs (C classes). The
 * backbone body must be a ResNet; BN batch counters are dropped. Class c of the result is
 * torchvision's class c+1.
 */
export function torchvisionMaskRcnnToMmdet(
  tensors: ReadonlyMap<string, TorchTensor>,
  opts: RenameOptions = {},
): RenameResult {
  const file = opts.file ?? 'state dict';
  for (const name of tensors.keys()) {
    const body = name.match(/^backbone\.body\.(.+)$/);
    if (body && !RESNET_PARAM.test(body[1]) && !BN_BATCH_COUNTER.test(name)) {
      throw new TorchCheckpointError(
        file,
        'state dict',
        'not a ResNet parameter of the backbone body',
        name,
      );
    }
  }
  let result: RenameResult;
  try {
    result = applyRenameRules(tensors, MASK_RCNN_RULES, BN_BATCH_COUNTER, opts);
  } catch (err) {
    if (err instanceof TorchCheckpointError) throw err;
    throw new TorchCheckpointError(
      file,
      'state dict',
      err instanceof Error ? err.message : String(err),
    );
  }
  checkClassCounts(result.tensors, file);
  return result;
}
