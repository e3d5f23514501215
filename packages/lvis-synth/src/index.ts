// Public API of @crat/lvis-synth.

export { type Texture, VARIANTS, type Variant } from './appearance.js';
export { buildClasses, type SynthClass } from './categories.js';
export { longTailCounts, lvisFrequency } from './counts.js';
export {
  fileNameFor,
  generateSynthDataset,
  type SynthClassInfo,
  type SynthOptions,
  type SynthResult,
} from './generate.js';
export {
  keyholeRing,
  lvisPolygonsArea,
  lvisPolygonsBox,
  toLvisPolygons,
} from './polygon-geometry.js';
export { SHAPE_FAMILIES, type ShapeFamily } from './shapes.js';
