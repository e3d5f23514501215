// The synthetic classes: each shape family in each appearance variant, ranked so every family
// has frequent, common and rare members.

import { VARIANTS, type Variant, variantName } from './appearance.js';
import { SHAPE_FAMILIES, type ShapeFamily } from './shapes.js';

/** One synthetic class: a shape family in one appearance variant. */
export interface SynthClass {
  /** Contiguous index 0..C-1; the LVIS category id is `index + 1`. */
  index: number;
  name: string;
  family: ShapeFamily;
  variant: Variant;
  /**
   * Position in the long tail (0 = most images). Ranks are interleaved across families,
   * and each family's variants are rotated, so every family has head, common and rare
   * members and the rare ones differ in appearance from family to family.
   */
  rank: number;
}

export function buildClasses(numFamilies: number, numVariants: number): SynthClass[] {
  if (!Number.isInteger(numFamilies) || numFamilies < 1 || numFamilies > SHAPE_FAMILIES.length) {
    throw new RangeError(
      `lvis-synth: families must be an integer in 1..${SHAPE_FAMILIES.length}, got ${numFamilies}`,
    );
  }
  if (!Number.isInteger(numVariants) || numVariants < 1 || numVariants > VARIANTS.length) {
    throw new RangeError(
      `lvis-synth: variants must be an integer in 1..${VARIANTS.length}, got ${numVariants}`,
    );
  }
  const classes: SynthClass[] = [];
  for (let f = 0; f < numFamilies; f++) {
    for (let v = 0; v < numVariants; v++) {
      const family = SHAPE_FAMILIES[f];
      const variant = VARIANTS[v];
      classes.push({
        index: classes.length,
        name: `${variantName(variant)}_${family}`,
        family,
        variant,
        rank: ((v + f) % numVariants) * numFamilies + f,
      });
    }
  }
  return classes;
}
