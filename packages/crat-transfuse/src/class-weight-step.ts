// One step of CRAT's class weights: update the Fisher, compare each RoI's gradient with every
// class's Fisher, and turn the similarities into weights over the other classes.

import * as tf from '@tensorflow/tfjs-core';
import type { PresentClasses } from './class-index.js';
import { classExcludingSoftmax, cosineToFisher, seenClassMask } from './class-weights.js';
import type { FisherBank } from './fisher-bank.js';
import type { CratCommonOptions } from './options.js';

/** This step's CRAT class weights for every positive RoI and the classes with a nonzero Fisher. */
export interface ClassWeightStep {
  /** `f_n_i [P, C]`: class-excluding softmax of the cosine similarities (0 at each RoI's own class). */
  classWeights: tf.Tensor2D;
  /** `[C]`: 1 where the (updated) Fisher row is nonzero. */
  seen: tf.Tensor1D;
}

/**
 * Update the Fisher from this step's per-RoI gradients (`perRoi [P, K]`, detached), then
 * compare each RoI's gradient (the first RoI's in `reference` mode, as the published code
 * does; squared with `similarity: 'squared-gradient'`) with every class's updated Fisher and
 * turn the similarities into class weights (`similarity: 'uniform'` skips the comparison and
 * spreads them evenly; the Fisher is still updated, for `seen`).
 * Cosine similarity is scale-free, so `perRoi` may carry any positive normaliser.
 */
export function fisherGuidedClassWeights(
  bank: FisherBank,
  perRoi: tf.Tensor2D,
  present: PresentClasses,
  labelOneHot: tf.Tensor2D,
  opts: Pick<CratCommonOptions, 'mode' | 'momentum' | 'temperature' | 'normEps' | 'similarity'>,
): ClassWeightStep {
  bank.update(perRoi, present, opts.mode, opts.momentum);
  const fisher = bank.fisher!;
  return tf.tidy(() => {
    return {
      classWeights: classExcludingSoftmax(
        similarityScores(perRoi, fisher, opts),
        labelOneHot,
        opts.temperature,
      ),
      seen: seenClassMask(fisher),
    };
  });
}

/** `[P, C]` scores of each RoI against each class that the class-excluding softmax turns into weights. */
function similarityScores(
  perRoi: tf.Tensor2D,
  fisher: tf.Tensor2D,
  opts: Pick<CratCommonOptions, 'mode' | 'normEps' | 'similarity'>,
): tf.Tensor2D {
  const p = perRoi.shape[0];
  // Equal scores: the softmax spreads each RoI's weight evenly over the other classes.
  if (opts.similarity === 'uniform') return tf.zeros([p, fisher.shape[0]]);
  const probe = opts.similarity === 'squared-gradient' ? tf.square(perRoi) : perRoi;
  if (opts.mode === 'reference') {
    const first = cosineToFisher(tf.slice(probe, [0, 0], [1, -1]), fisher, opts.normEps);
    return tf.tile(first, [p, 1]);
  }
  return cosineToFisher(probe, fisher, opts.normEps);
}

/**
 * The weights a branch applies this step: `step.classWeights`, zeroed at classes whose
 * Fisher is still all zero when `maskUnseenClasses` (no renormalisation, as published).
 */
export function appliedClassWeights(
  step: ClassWeightStep,
  maskUnseenClasses: boolean,
): tf.Tensor2D {
  if (!maskUnseenClasses) return step.classWeights;
  const c = step.seen.shape[0];
  return tf.mul(step.classWeights, tf.reshape(step.seen, [1, c])) as tf.Tensor2D;
}
