// The detector preset a config names (`model.preset`), expanded under the config's own
// `model` fields before validation, so the whole detector tree is checked field by field.

import { type ConfigObject, deepMerge, isPlainObject } from '@crat/core';
import { detectorPreset } from '@crat/detector';

/**
 * `raw` with `model` replaced by the preset's full detector config merged under the fields
 * the config sets. A config without a string `model.preset` is returned as it is (validation
 * names the problem); an unknown preset throws an error listing the known ones.
 */
export function expandModelPreset(raw: ConfigObject): ConfigObject {
  const model = raw.model;
  if (!isPlainObject(model) || typeof model.preset !== 'string') return raw;
  const { preset, ...own } = model;
  const numClasses = typeof own.numClasses === 'number' ? own.numClasses : 1;
  const base = detectorPreset(preset, numClasses);
  return { ...raw, model: { preset, ...(deepMerge(base, own) as ConfigObject) } };
}
