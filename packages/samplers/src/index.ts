// Public API of @crat/samplers; importing it registers the `uniform`, `repeat-factor` and
// `class-aware` samplers.

import './register.js';

export { createRandom, mixSeed, type Random } from '@crat/core';
export { type ClassAwareOptions, ClassAwareSampler } from './class-aware.js';
export {
  computeRepeatFactors,
  type RepeatFactorOptions,
  RepeatFactorSampler,
  type RepeatFactors,
} from './repeat-factor.js';
export { SamplerBase, SamplerStateError, shardIndices } from './sampler-base.js';
export { type UniformOptions, UniformSampler } from './uniform.js';
