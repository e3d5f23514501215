// An annotation file as a detection dataset, streamed when it is past V8's string limit.

import { LvisDetectionDataset } from '@crat/data';
import { readJsonFile } from '@crat/lvis';
import type { LVISDataset } from 'lvis-ts-types';

/**
 * An annotation file as a detection dataset. Files past V8's string limit (LVIS v1 train,
 * ~1.1 GB) are parsed as a stream by `@crat/lvis`.
 */
export async function loadDetectionDataset(
  annFile: string,
  imgDir: string,
): Promise<LvisDetectionDataset> {
  const data = (await readJsonFile(annFile)) as LVISDataset;
  return LvisDetectionDataset.fromJson(data, { imageDir: imgDir }, annFile);
}
