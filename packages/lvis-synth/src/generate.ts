// A whole synthetic long-tailed LVIS v1 dataset written atomically: class counts planned,
// classes assigned to images, images rendered, annotation files and `synth_meta.json` written.

import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { createRandom, mixSeed } from '@crat/core';
import type { LVISAnnotation, LVISCategory, LVISDataset, LVISImage } from 'lvis-ts-types';
import { assignClassesToImages } from './assign.js';
import { buildClasses, type SynthClass } from './categories.js';
import { longTailCounts, lvisFrequency } from './counts.js';
import {
  type ImageOutcome,
  type ImageSettings,
  type ImageTask,
  synthesizeImage,
} from './synthesize-image.js';
import { renderWorkerScript, runOnWorkers } from './worker-pool.js';

export interface SynthOptions {
  /** Output folder; written atomically (built beside it, then renamed into place). */
  out: string;
  seed?: number;
  trainImages?: number;
  valImages?: number;
  /**
   * Images of a `minival` split drawn like val (default 300; 0: none): the held-back set recipe
   * and model choices are made on, so the val set the tables report is never used to choose.
   */
  minivalImages?: number;
  /** Image side in pixels (square images). */
  size?: number;
  /** Shape families used (1..10, default 8) and appearance variants per family (1..6, default 5). */
  families?: number;
  variants?: number;
  /** Train images of the most frequent class; default 20% of the train images. */
  maxClassImages?: number;
  /** Train images of the rarest class; default 1. */
  minClassImages?: number;
  /** Every class is in at least this many val images (default 3). */
  minValImagesPerClass?: number;
  /** Objects per image are 1..maxObjects (default 8). */
  maxObjects?: number;
  /** Distinct classes per image, at most (default 4; raised if the counts need it). */
  maxClassesPerImage?: number;
  /** Probability of one more instance of a class already in the image (default 0.5). */
  extraInstanceProbability?: number;
  /** Probability that an absent class is a verified negative of the image (default 0.3). */
  negativeProbability?: number;
  /** Probability of leaving one of several instances unannotated (default 0.2). */
  dropProbability?: number;
  /** Render threads; 0 renders on this thread (default: min(2, cores)). */
  workers?: number;
  /** Replace an existing non-empty `out` (default false: that is an error). */
  overwrite?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface SynthClassInfo {
  id: number;
  name: string;
  family: string;
  colour: string;
  texture: string;
  rank: number;
  frequency: 'r' | 'c' | 'f';
  train_images: number;
  val_images: number;
}

export interface SynthResult {
  out: string;
  trainAnnotationFile: string;
  valAnnotationFile: string;
  /** `null` when no minival split was asked for. */
  minivalAnnotationFile: string | null;
  trainImageDir: string;
  valImageDir: string;
  minivalImageDir: string | null;
  classes: SynthClassInfo[];
  counts: {
    trainImages: number;
    valImages: number;
    minivalImages: number;
    trainAnnotations: number;
    valAnnotations: number;
    minivalAnnotations: number;
  };
  seconds: number;
}

const SPLITS = [
  { name: 'train', code: 0, imageDir: 'train2017', annotationFile: 'lvis_v1_train.json' },
  { name: 'val', code: 1, imageDir: 'val2017', annotationFile: 'lvis_v1_val.json' },
  // Last, with its own random streams: adding it leaves train and val exactly as they were.
  { name: 'minival', code: 2, imageDir: 'minival2017', annotationFile: 'lvis_v1_minival.json' },
] as const;

/** Val and minival image ids start here so that no id is shared between the splits. */
const VAL_ID_BASE = 1_000_000;
const MINIVAL_ID_BASE = 2_000_000;

function checkCount(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) {
    throw new RangeError(`lvis-synth: option '${name}' must be an integer >= ${min}, got ${v}`);
  }
  return v;
}

function checkProbability(name: string, v: number): number {
  if (!(v >= 0 && v <= 1)) {
    throw new RangeError(`lvis-synth: option '${name}' must be in [0, 1], got ${v}`);
  }
  return v;
}

/**
 * Generate a long-tailed LVIS v1-format dataset: `annotations/lvis_v1_{train,val,minival}.json`,
 * PNGs in `train2017/`, `val2017/` and `minival2017/`, and `synth_meta.json` (families and counts per
 * class). Deterministic in the options (the number of workers does not change the output).
 */
export async function generateSynthDataset(options: SynthOptions): Promise<SynthResult> {
  const t0 = performance.now();
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed))
    throw new RangeError(`lvis-synth: option 'seed' must be an integer, got ${seed}`);
  const trainImages = checkCount('trainImages', options.trainImages ?? 3000, 1);
  const valImages = checkCount('valImages', options.valImages ?? 600, 1);
  const minivalImages = checkCount('minivalImages', options.minivalImages ?? 300, 0);
  const size = checkCount('size', options.size ?? 128, 32);
  const maxObjects = checkCount('maxObjects', options.maxObjects ?? 8, 1);
  const classes = buildClasses(options.families ?? 8, options.variants ?? 5);
  const C = classes.length;
  const maxClassImages = checkCount(
    'maxClassImages',
    options.maxClassImages ?? Math.max(1, Math.round(trainImages * 0.2)),
    1,
  );
  const minClassImages = checkCount('minClassImages', options.minClassImages ?? 1, 1);
  const minVal = checkCount('minValImagesPerClass', options.minValImagesPerClass ?? 3, 0);
  const maxClassesPerImage = Math.min(
    maxObjects,
    checkCount('maxClassesPerImage', options.maxClassesPerImage ?? 4, 1),
  );
  const workers = checkCount('workers', options.workers ?? Math.min(2, availableParallelism()), 0);

  const out = resolve(options.out);
  if (existsSync(out) && readdirSync(out).length > 0 && !options.overwrite) {
    throw new Error(
      `lvis-synth: output folder ${out} exists and is not empty (pass overwrite to replace it)`,
    );
  }

  // Counts per class, by rank.
  const byRank = longTailCounts(C, Math.min(maxClassImages, trainImages), minClassImages);
  const trainCounts = classes.map((c) => byRank[c.rank]);
  const valCounts = trainCounts.map((n) =>
    Math.min(valImages, Math.max(minVal, Math.round((n * valImages) / trainImages))),
  );
  const minivalCounts = trainCounts.map((n) =>
    Math.min(minivalImages, Math.max(minVal, Math.round((n * minivalImages) / trainImages))),
  );
  topUp(trainCounts, classes, trainImages);
  topUp(valCounts, classes, valImages);
  if (minivalImages > 0) topUp(minivalCounts, classes, minivalImages);
  const splits = SPLITS.filter((sp) => sp.code < 2 || minivalImages > 0);
  const imagesOf = [trainImages, valImages, minivalImages];
  const countsOf = [trainCounts, valCounts, minivalCounts];
  for (const [split, counts, n] of [
    ['train', trainCounts, trainImages],
    ['val', valCounts, valImages],
    ...(minivalImages > 0 ? ([['minival', minivalCounts, minivalImages]] as const) : []),
  ] as const) {
    const pairs = counts.reduce((a, b) => a + b, 0);
    if (pairs > n * maxObjects) {
      throw new RangeError(
        `lvis-synth: ${split} needs ${pairs} class-image pairs (${C} classes, at least ${minVal} val images each), more than ${n} images x ${maxObjects} objects hold; use more ${split} images or fewer classes`,
      );
    }
  }

  const settings: ImageSettings = {
    seed,
    classes,
    layout: {
      width: size,
      height: size,
      maxObjects,
      extraInstanceProbability: checkProbability(
        'extraInstanceProbability',
        options.extraInstanceProbability ?? 0.5,
      ),
      minVisibleFraction: 0.45,
    },
    negativeProbability: checkProbability(
      'negativeProbability',
      options.negativeProbability ?? 0.3,
    ),
    dropProbability: checkProbability('dropProbability', options.dropProbability ?? 0.2),
  };

  const tasks: ImageTask[][] = splits.map((split) => {
    const n = imagesOf[split.code]!;
    const counts = countsOf[split.code]!;
    const assignment = assignClassesToImages(
      counts,
      n,
      maxClassesPerImage,
      createRandom(mixSeed(seed, split.code, 0x5a5a)),
    );
    return assignment.map((cls, index) => {
      const imageId = [0, VAL_ID_BASE, MINIVAL_ID_BASE][split.code]! + index + 1;
      return {
        splitCode: split.code,
        index,
        imageId,
        relativePath: join(split.imageDir, fileNameFor(imageId)),
        classes: cls,
      };
    });
  });

  const tmp = join(dirname(out), `.${basename(out)}.partial-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    for (const split of splits) mkdirSync(join(tmp, split.imageDir), { recursive: true });
    mkdirSync(join(tmp, 'annotations'), { recursive: true });

    const outcomes: ImageOutcome[][] = splits.map((sp) => new Array(imagesOf[sp.code]!));
    const all = tasks.flat();
    let done = 0;
    const record = (batch: ImageOutcome[], splitOf: (o: ImageOutcome) => number) => {
      for (const o of batch) outcomes[splitOf(o)][o.index] = o;
      done += batch.length;
      options.onProgress?.(done, all.length);
    };
    const script = workers > 0 ? renderWorkerScript() : undefined;
    if (workers > 0 && !script) {
      throw new Error(
        'lvis-synth: the render worker script (dist/render-worker.js) is not built; build @crat/lvis-synth or pass workers: 0',
      );
    }
    for (const [s, splitTasks] of tasks.entries()) {
      if (script) {
        await runOnWorkers(script, workers, settings, tmp, splitTasks, 24, (batch) =>
          record(batch, () => s),
        );
      } else {
        for (const t of splitTasks) record([synthesizeImage(t, settings, tmp)], () => s);
      }
    }

    const categories = buildCategories(classes, outcomes[0]);
    const files: string[] = [];
    const counts = {
      trainImages,
      valImages,
      minivalImages,
      trainAnnotations: 0,
      valAnnotations: 0,
      minivalAnnotations: 0,
    };
    let annotationId = 1;
    for (const split of splits) {
      const images: LVISImage[] = [];
      const annotations: LVISAnnotation[] = [];
      for (const [i, task] of tasks[split.code].entries()) {
        const o = outcomes[split.code][i];
        const fileName = basename(task.relativePath);
        images.push({
          id: task.imageId,
          width: size,
          height: size,
          file_name: fileName,
          // LVIS v1 locates images by coco_url (`<root>/<split>2017/<name>`); this follows
          // that convention so LVIS v1 readers find the files. It is not a download address.
          coco_url: `http://images.cocodataset.org/${split.imageDir}/${fileName}`,
          license: 1,
          date_captured: '2026-01-01 00:00:00',
          neg_category_ids: o.negCategoryIds,
          not_exhaustive_category_ids: o.notExhaustiveCategoryIds,
        });
        for (const a of o.annotations) {
          annotations.push({ id: annotationId++, image_id: task.imageId, ...a });
        }
      }
      if (split.code === 0) counts.trainAnnotations = annotations.length;
      else if (split.code === 1) counts.valAnnotations = annotations.length;
      else counts.minivalAnnotations = annotations.length;
      const dataset: LVISDataset = {
        info: {
          description: `CRAT-TS synthetic long-tail LVIS (${split.name}, seed ${seed})`,
          version: '1.0',
          year: 2026,
          contributor: 'CRAT-TS lvis-synth',
          date_created: '2026-01-01',
        },
        licenses: [
          {
            id: 1,
            name: 'CC0 1.0 (synthetic images)',
            url: 'https://creativecommons.org/publicdomain/zero/1.0/',
          },
        ],
        images,
        annotations,
        categories,
      };
      const file = join('annotations', split.annotationFile);
      writeFileSync(join(tmp, file), JSON.stringify(dataset));
      files.push(file);
    }

    const classInfo: SynthClassInfo[] = classes.map((c, k) => ({
      id: c.index + 1,
      name: c.name,
      family: c.family,
      colour: c.variant.colour,
      texture: c.variant.texture,
      rank: c.rank,
      frequency: categories[k].frequency,
      train_images: categories[k].image_count,
      val_images: imageCount(outcomes[1], c.index + 1),
    }));
    writeFileSync(
      join(tmp, 'synth_meta.json'),
      JSON.stringify(
        {
          generator: '@crat/lvis-synth',
          seed,
          size,
          trainImages,
          valImages,
          minivalImages,
          area: 'pixels of the rasterized segmentation (pycocotools rleFrPoly), as in COCO/LVIS',
          classes: classInfo,
        },
        null,
        1,
      ),
    );

    if (existsSync(out)) {
      const old = join(dirname(out), `.${basename(out)}.old-${process.pid}`);
      renameSync(out, old);
      renameSync(tmp, out);
      rmSync(old, { recursive: true, force: true });
    } else {
      mkdirSync(dirname(out), { recursive: true });
      renameSync(tmp, out);
    }
    return {
      out,
      trainAnnotationFile: join(out, files[0]),
      valAnnotationFile: join(out, files[1]),
      minivalAnnotationFile: files[2] ? join(out, files[2]) : null,
      trainImageDir: join(out, SPLITS[0].imageDir),
      valImageDir: join(out, SPLITS[1].imageDir),
      minivalImageDir: minivalImages > 0 ? join(out, SPLITS[2].imageDir) : null,
      classes: classInfo,
      counts,
      seconds: (performance.now() - t0) / 1000,
    };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** LVIS-like file name: the zero-padded 12-digit image id. */
export function fileNameFor(imageId: number): string {
  return `${String(imageId).padStart(12, '0')}.png`;
}

/** Raise head-class counts until every image can have a class (tiny datasets only). */
function topUp(counts: number[], classes: readonly SynthClass[], numImages: number): void {
  const byRank = [...classes].sort((a, b) => a.rank - b.rank);
  let total = counts.reduce((a, b) => a + b, 0);
  for (const c of byRank) {
    if (total >= numImages) break;
    const add = Math.min(numImages - counts[c.index], numImages - total);
    counts[c.index] += add;
    total += add;
  }
}

function imageCount(outcomes: readonly ImageOutcome[], categoryId: number): number {
  let n = 0;
  for (const o of outcomes) if (o.annotations.some((a) => a.category_id === categoryId)) n++;
  return n;
}

function buildCategories(
  classes: readonly SynthClass[],
  train: readonly ImageOutcome[],
): LVISCategory[] {
  const images = new Int32Array(classes.length);
  const instances = new Int32Array(classes.length);
  for (const o of train) {
    const seen = new Set<number>();
    for (const a of o.annotations) {
      instances[a.category_id - 1]++;
      seen.add(a.category_id - 1);
    }
    for (const c of seen) images[c]++;
  }
  return classes.map((c) => ({
    id: c.index + 1,
    name: c.name,
    synset: `${c.name}.synth.01`,
    synonyms: [c.name, c.name.replaceAll('_', ' ')],
    def: `a ${c.variant.texture === 'solid' ? '' : `${c.variant.texture} `}${c.variant.colour} ${c.family} (synthetic shape)`,
    frequency: lvisFrequency(images[c.index]),
    image_count: images[c.index],
    instance_count: instances[c.index],
  }));
}
