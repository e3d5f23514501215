import type * as tf from '@tensorflow/tfjs-core';

/**
 * What `crat-bbox` publishes in `TransferStepContext.shared` for the mask branch of the same
 * step (the published code hands the mask head the box head's `f_n_i`). The tensors stay
 * valid until the bbox plug-in's next step or `dispose()`.
 */
export interface SharedClassWeights {
  iteration: number;
  numPositives: number;
  /** `f_n_i [P, C]`, not masked by the Fisher (what the published mask head uses). */
  classWeights: tf.Tensor2D;
  /** `[P, C]`: the weights the bbox branch applied (masked by its seen classes when it masks). */
  transferWeights: tf.Tensor2D;
}

export function isSharedClassWeights(v: unknown): v is SharedClassWeights {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Partial<SharedClassWeights>;
  return (
    typeof s.iteration === 'number' &&
    typeof s.numPositives === 'number' &&
    !!s.classWeights &&
    !!s.transferWeights
  );
}
