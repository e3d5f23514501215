// The detection ops (anchors, box coding, NMS, RoIAlign, mask targets and pasting) and the
// chunked addN, gathered for the package's public API.

export { ADD_N_MAX_INPUTS, addMany } from './add-many.js';
export { AnchorGenerator, type AnchorGeneratorOptions } from './anchors.js';
export { type DecodeOptions, type DeltaCoderOptions, DeltaXYWHBBoxCoder } from './box-coder.js';
export { groupNorm } from './group-norm.js';
export { maskTargets, pasteMasks, pasteMasksTorchvision } from './masks.js';
export { batchedNms, boxIou, nms } from './nms.js';
export { type RoiAlignOptions, registerRoiAlignKernels, roiAlign } from './roi-align.js';
export { planRoiAlign, type RoiAlignPlan } from './roi-align-plan.js';
export { type MultiLevelRoiAlignOptions, mapRoiLevels, multiLevelRoiAlign } from './roi-levels.js';
