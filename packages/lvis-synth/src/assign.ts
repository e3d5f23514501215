// Which classes go into which image, so each class is in exactly its planned number of images
// and every image has one.

import { type Random, randomInt } from '@crat/core';

/**
 * Which classes appear in which image, so that class c is in exactly `counts[c]` distinct
 * images and every image has at least one class.
 *
 * Each image gets a capacity (1 plus a random share of the surplus), then classes, largest
 * count first, take the images with the most remaining capacity (random tie-break): the
 * greedy order of the Gale-Ryser construction, which succeeds whenever any assignment does.
 */
export function assignClassesToImages(
  counts: readonly number[],
  numImages: number,
  maxClassesPerImage: number,
  random: Random,
): number[][] {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total < numImages) {
    throw new RangeError(
      `lvis-synth: ${total} class-image pairs cannot give each of ${numImages} images a class`,
    );
  }
  const cap = Math.max(maxClassesPerImage, Math.ceil(total / numImages));
  const capacity = new Int32Array(numImages).fill(1);
  let surplus = total - numImages;
  while (surplus > 0) {
    const i = randomInt(random, numImages);
    if (capacity[i] < cap) {
      capacity[i] += 1;
      surplus -= 1;
    }
  }
  const order = counts.map((n, c) => ({ n, c })).sort((a, b) => b.n - a.n || a.c - b.c);
  const images: number[][] = Array.from({ length: numImages }, () => []);
  const tieBreak = new Float64Array(numImages);
  const byCapacity = Array.from({ length: numImages }, (_, i) => i);
  for (const { n, c } of order) {
    for (let i = 0; i < numImages; i++) tieBreak[i] = random();
    byCapacity.sort((a, b) => capacity[b] - capacity[a] || tieBreak[a] - tieBreak[b]);
    for (let k = 0; k < n; k++) {
      const i = byCapacity[k];
      if (capacity[i] === 0) {
        throw new RangeError(
          `lvis-synth: cannot place class ${c} in ${n} images (only ${k} have room); use more images or fewer per class`,
        );
      }
      capacity[i] -= 1;
      images[i].push(c);
    }
  }
  for (const list of images) list.sort((a, b) => a - b);
  return images;
}
