// One synthetic image made and written: its objects laid out, annotated with federated labels
// (negatives, not-exhaustive classes) and rendered, all from (seed, split, index).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRandom, mixSeed } from '@crat/core';
import { polygonsToRle, rleArea } from '@crat/mask';
import type { Polygon, XYWHBox } from 'lvis-ts-types';
import type { SynthClass } from './categories.js';
import { type LayoutOptions, layoutObjects } from './layout.js';
import { lvisPolygonsBox, toLvisPolygons } from './polygon-geometry.js';
import { drawBackgroundSpec, renderPng } from './render.js';

/** One image to make: which classes it must contain, and where its PNG goes. */
export interface ImageTask {
  /** 0 for train, 1 for val: part of the image's random stream. */
  splitCode: number;
  index: number;
  imageId: number;
  /** Path of the PNG, relative to the output root. */
  relativePath: string;
  classes: number[];
}

/** What every image of a run shares (sent once to each worker). */
export interface ImageSettings {
  seed: number;
  classes: SynthClass[];
  layout: LayoutOptions;
  /** Each class absent from an image is listed in its `neg_category_ids` with this probability. */
  negativeProbability: number;
  /** A class with several instances in an image has one left unannotated with this probability. */
  dropProbability: number;
}

export interface AnnotationDraft {
  category_id: number;
  segmentation: Polygon[];
  area: number;
  bbox: XYWHBox;
}

export interface ImageOutcome {
  index: number;
  negCategoryIds: number[];
  notExhaustiveCategoryIds: number[];
  annotations: AnnotationDraft[];
}

/** Lay out, annotate, render and write one image; a pure function of (seed, split, index). */
export function synthesizeImage(task: ImageTask, s: ImageSettings, outRoot: string): ImageOutcome {
  const random = createRandom(mixSeed(s.seed, task.splitCode, task.index));
  const background = drawBackgroundSpec(random);
  const objects = layoutObjects(s.classes, task.classes, s.layout, random);

  // Federated labels: one instance of a multi-instance class may go unannotated, and the
  // class is then flagged not exhaustive for this image.
  const notExhaustive: number[] = [];
  for (const c of task.classes) {
    const mine = objects.filter((o) => o.classIndex === c);
    if (mine.length >= 2 && random() < s.dropProbability) {
      mine[mine.length - 1].annotated = false;
      notExhaustive.push(c + 1);
    }
  }
  const present = new Set(task.classes);
  const neg: number[] = [];
  for (let c = 0; c < s.classes.length; c++) {
    if (!present.has(c) && random() < s.negativeProbability) neg.push(c + 1);
  }

  const { width: W, height: H } = s.layout;
  const annotations: AnnotationDraft[] = [];
  for (const o of objects) {
    if (!o.annotated) continue;
    const segmentation = toLvisPolygons(o.visible);
    // Area of the rasterized mask, as in COCO/LVIS files (pycocotools-exact rasterization).
    const area = segmentation.length > 0 ? rleArea(polygonsToRle(segmentation, H, W)) : 0;
    if (area === 0) continue;
    annotations.push({
      category_id: o.classIndex + 1,
      segmentation,
      area,
      bbox: lvisPolygonsBox(segmentation),
    });
  }
  const png = renderPng(s.classes, background, objects, W, H);
  writeFileSync(join(outRoot, task.relativePath), png);
  return {
    index: task.index,
    negCategoryIds: neg,
    notExhaustiveCategoryIds: notExhaustive.sort((a, b) => a - b),
    annotations,
  };
}
