// Side-effect import: registers the samplers in @crat/core's image-sampler registry.

import { imageSamplers } from '@crat/core';
import { type ClassAwareOptions, ClassAwareSampler } from './class-aware.js';
import { type RepeatFactorOptions, RepeatFactorSampler } from './repeat-factor.js';
import { type UniformOptions, UniformSampler } from './uniform.js';

// The ESM and CJS builds may both be loaded into one process; they share the registry.
if (!imageSamplers.has('uniform')) {
  imageSamplers.register<UniformOptions>('uniform', {
    defaults: { shuffle: true },
    description: 'every image once per epoch, shuffled per (seed, epoch)',
    create: (options, init) => new UniformSampler(init, options),
  });
}
if (!imageSamplers.has('repeat-factor')) {
  imageSamplers.register<RepeatFactorOptions>('repeat-factor', {
    defaults: { threshold: 0.001, rounding: 'stochastic' },
    description:
      'LVIS repeat-factor sampling: image i repeated r_i = max_c max(1, sqrt(t/f_c)) times',
    create: (options, init) => new RepeatFactorSampler(init, options),
  });
}
if (!imageSamplers.has('class-aware')) {
  imageSamplers.register<ClassAwareOptions>('class-aware', {
    defaults: { epochLength: 0, samplesPerClass: 1 },
    description: 'pick a class uniformly, then an image containing it',
    create: (options, init) => new ClassAwareSampler(init, options),
  });
}
