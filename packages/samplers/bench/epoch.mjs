// Time to build one epoch's index stream for an LVIS-train-sized dataset (100k images,
// 1,203 classes, a long tail of per-image classes). `pnpm --filter @crat/samplers bench`.
import { ClassAwareSampler, RepeatFactorSampler, UniformSampler } from '../dist/index.js';

let s = 1;
const rnd = () => {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  return s / 4294967296;
};
const numImages = 100_000;
const numClasses = 1203;
const imageClasses = Array.from({ length: numImages }, () => {
  const k = 1 + Math.floor(rnd() * 6);
  return [...new Set(Array.from({ length: k }, () => Math.floor(numClasses * rnd() ** 3)))];
});
const dataset = { numImages, numClasses, imageClasses };
for (const [name, make] of [
  ['uniform', () => new UniformSampler({ dataset, seed: 0 })],
  ['repeat-factor', () => new RepeatFactorSampler({ dataset, seed: 0 })],
  ['class-aware', () => new ClassAwareSampler({ dataset, seed: 0 })],
]) {
  const t0 = performance.now();
  const sampler = make();
  const t1 = performance.now();
  const n = sampler.epochIndices(1).length;
  const t2 = performance.now();
  console.log(
    `${name.padEnd(14)} build ${(t1 - t0).toFixed(1)} ms, one epoch (${n} indices) ${(t2 - t1).toFixed(1)} ms`,
  );
}
