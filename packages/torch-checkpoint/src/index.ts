// Public API of @crat/torch-checkpoint: read PyTorch checkpoints safely, and map their names to mmdetection's.

export { TorchCheckpointError } from './checkpoint-error.js';
export {
  ELEMENT_SIZE,
  isTorchTensor,
  numelOf,
  type TensorData,
  type TensorDataOf,
  type TorchDType,
  type TorchTensor,
} from './dtypes.js';
export {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToFloat16Bits,
  toFloat32,
} from './float-widening.js';
export { type CheckpointNaming, guessNaming, toMmdetNames } from './name-maps/naming.js';
export {
  applyRenameRules,
  type RenameOptions,
  type RenameResult,
  type RenameRule,
  selectRows,
} from './name-maps/rename-rules.js';
export { torchvisionMaskRcnnToMmdet } from './name-maps/torchvision-mask-rcnn.js';
export { type ResnetMapOptions, torchvisionResnetToMmdet } from './name-maps/torchvision-resnet.js';
export type { HostValue, PickleValue } from './pickle/pickle-value.js';
export {
  parseTorchCheckpoint,
  parseTorchFile,
  readTorchCheckpoint,
  readTorchCheckpointSync,
  readTorchFile,
  readTorchFileSync,
  type TorchCheckpoint,
  type TorchFile,
  type TorchFileFormat,
} from './read-checkpoint.js';
export { type FoundStateDict, STATE_DICT_KEYS, stateDictOf } from './state-dict.js';
export { allowedGlobalNames } from './torch/torch-globals.js';
export type { NamespaceValue, TorchDTypeValue } from './torch/torch-values.js';
