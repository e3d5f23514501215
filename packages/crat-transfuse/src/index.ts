// Public API of @crat/crat-transfuse; importing it registers `crat-bbox` and `crat-mask`.

import './register.js';

export {
  boxLossDerivative,
  boxLossPerClass,
  ownClassBoxPredictions,
  perRoiBoxGradients,
  type RegressionLossSpec,
  regressionLoss,
  regressionLossDerivative,
} from './box-math.js';
export { type PresentClasses, presentClasses } from './class-index.js';
export {
  appliedClassWeights,
  type ClassWeightStep,
  fisherGuidedClassWeights,
} from './class-weight-step.js';
export { classExcludingSoftmax, cosineToFisher, seenClassMask } from './class-weights.js';
export { CRAT_BOX_TYPE, CratBoxTransfer } from './crat-box-transfer.js';
export { CRAT_MASK_TYPE, CratMaskTransfer } from './crat-mask-transfer.js';
export { CratTransferBase, type CratTransferKind } from './crat-transfer-base.js';
export { detach } from './detach.js';
export {
  type CratDiagnostics,
  type TargetClassDiagnostics,
  TransferDiagnostics,
  type TransfusedRoi,
} from './diagnostics.js';
export { FisherBank } from './fisher-bank.js';
export { maskLossPerClass, ownClassMaskLogits, perRoiMaskGradients } from './mask-math.js';
export { floatOneHot } from './one-hot.js';
export {
  CRAT_BOX_DEFAULTS,
  CRAT_MASK_DEFAULTS,
  CRAT_MODES,
  CRAT_SIMILARITIES,
  type CratBoxOptions,
  type CratCommonOptions,
  type CratMaskOptions,
  type CratMode,
  CratOptionError,
  type CratSimilarity,
  DEFAULT_CRAT_MODE,
  type MaskWeightSource,
  type RegressionLoss,
} from './options.js';
export { CratStateError, type EncodedFloat32 } from './state-codec.js';
