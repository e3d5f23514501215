// One sample through the train pipeline (decode, resize, flip, normalize, pad, boxes and masks
// alike), its random choices seeded by one word so it is reproducible on any thread.

import { readFile } from 'node:fs/promises';
import { createRandom } from '@crat/core';
import { decodeRleColumnMajor, rleToBbox, segmentationToRle } from '@crat/mask';
import sharp from 'sharp';
import { paintResizedMask } from './bitmaps.js';
import { flipBoxesHorizontal, scaleAndClipBoxes, xywhToXyxy } from './boxes.js';
import type { ImageRecord } from './lvis-dataset.js';
import type { PipelineConfig } from './pipeline-config.js';
import { chooseScale, padTo, resizeGeometry, type ScalePair } from './rescale.js';

/** An image that cannot be read or decoded; names the file. */
export class ImageReadError extends Error {
  override name = 'ImageReadError';
  constructor(
    readonly path: string,
    readonly imageId: number,
    reason: string,
  ) {
    super(`cannot load image ${path} (image id ${imageId}): ${reason}`);
  }
}

/** What the model and the losses need to know about one sample's geometry. */
export interface ImageMeta {
  index: number;
  imageId: number;
  path: string;
  /** `[height, width]` of the decoded file. */
  oriShape: [number, number];
  /** `[height, width]` after resizing (the valid region of the padded image). */
  imgShape: [number, number];
  /** `[height, width]` after padding to the divisor (the masks' size). */
  padShape: [number, number];
  /** Per-axis resize factors `[w_scale, h_scale]` (new / original). */
  scaleFactor: [number, number];
  /** The target scale drawn for this sample. */
  scale: [number, number];
  flip: boolean;
}

/** One decoded and augmented sample, in transferable typed arrays. */
export interface PreparedSample {
  meta: ImageMeta;
  /** `padH x padW x 3` normalized RGB, zeros in the padding. */
  image: Float32Array;
  /** `n x 4` GT boxes `[x1, y1, x2, y2]` in the resized (and flipped) image. */
  boxes: Float32Array;
  /** `n` labels 0..C-1. */
  labels: Int32Array;
  /** `n x padH x padW` row-major 0/1 masks (empty when masks are off). */
  masks: Uint8Array;
}

/**
 * Decode, resize, flip, normalize and pad one image and its annotations. The random choices
 * (scale, flip) come only from `seedWord`, so a sample is reproducible anywhere.
 */
export async function prepareSample(
  record: ImageRecord,
  seedWord: number,
  cfg: PipelineConfig,
): Promise<PreparedSample> {
  const random = createRandom(seedWord);
  const scale: ScalePair = chooseScale(cfg.scales, cfg.scaleMode, random);
  const flip = random() < cfg.flipRatio;

  let bytes: Buffer;
  try {
    bytes = await readFile(record.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ImageReadError(
      record.path,
      record.imageId,
      code === 'ENOENT' ? 'file not found' : String(err),
    );
  }
  let oriW: number;
  let oriH: number;
  try {
    const info = await sharp(bytes).metadata();
    if (!info.width || !info.height) throw new Error('no image size in the header');
    oriW = info.width;
    oriH = info.height;
  } catch (err) {
    throw new ImageReadError(
      record.path,
      record.imageId,
      `corrupt or unsupported image (${errorText(err)})`,
    );
  }
  if (oriW !== record.width || oriH !== record.height) {
    throw new ImageReadError(
      record.path,
      record.imageId,
      `the file is ${oriW}x${oriH} but the annotation file says ${record.width}x${record.height}`,
    );
  }
  const g = resizeGeometry(oriW, oriH, scale, cfg.keepRatio);
  let pixels: Buffer;
  try {
    let pipe = sharp(bytes).removeAlpha().toColourspace('srgb');
    if (g.width !== oriW || g.height !== oriH) {
      pipe = pipe.resize(g.width, g.height, { fit: 'fill', kernel: cfg.interpolation });
    }
    if (flip) pipe = pipe.flop();
    const { data, info } = await pipe.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== g.width || info.height !== g.height) {
      throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}`);
    }
    pixels = data;
  } catch (err) {
    throw new ImageReadError(
      record.path,
      record.imageId,
      `corrupt or unsupported image (${errorText(err)})`,
    );
  }

  const padW = padTo(g.width, cfg.padDivisor);
  const padH = padTo(g.height, cfg.padDivisor);
  const image = normalizeAndPad(pixels, g.width, g.height, padW, padH, cfg.mean, cfg.std);

  const n = record.instances.length;
  const boxes = new Float32Array(n * 4);
  const labels = new Int32Array(n);
  record.instances.forEach((inst, i) => {
    boxes.set(xywhToXyxy(inst.bbox), i * 4);
    labels[i] = inst.label;
  });
  scaleAndClipBoxes(boxes, g.wScale, g.hScale, g.width, g.height);
  if (flip) flipBoxesHorizontal(boxes, g.width);

  const masks = new Uint8Array(cfg.withMasks ? n * padH * padW : 0);
  if (cfg.withMasks) {
    record.instances.forEach((inst, i) => {
      try {
        const rle = segmentationToRle(inst.segmentation, oriH, oriW);
        const slot = masks.subarray(i * padH * padW, (i + 1) * padH * padW);
        const src = decodeRleColumnMajor(rle);
        paintResizedMask(src, oriW, oriH, rleToBbox(rle), g.width, g.height, flip, slot, padW);
      } catch (err) {
        throw new ImageReadError(
          record.path,
          record.imageId,
          `annotation ${inst.annotationId}: bad segmentation (${errorText(err)})`,
        );
      }
    });
  }

  return {
    meta: {
      index: record.index,
      imageId: record.imageId,
      path: record.path,
      oriShape: [oriH, oriW],
      imgShape: [g.height, g.width],
      padShape: [padH, padW],
      scaleFactor: [g.wScale, g.hScale],
      scale: [scale[0], scale[1]],
      flip,
    },
    image,
    boxes,
    labels,
    masks,
  };
}

/** (v - mean) / std per RGB channel into a zero-padded `padH x padW x 3` float image. */
export function normalizeAndPad(
  rgb: Uint8Array,
  w: number,
  h: number,
  padW: number,
  padH: number,
  mean: readonly number[],
  std: readonly number[],
): Float32Array {
  const out = new Float32Array(padH * padW * 3);
  const [m0, m1, m2] = mean;
  const s0 = 1 / std[0];
  const s1 = 1 / std[1];
  const s2 = 1 / std[2];
  for (let y = 0; y < h; y++) {
    let i = y * w * 3;
    let o = y * padW * 3;
    for (let x = 0; x < w; x++, i += 3, o += 3) {
      out[o] = (rgb[i] - m0) * s0;
      out[o + 1] = (rgb[i + 1] - m1) * s1;
      out[o + 2] = (rgb[i + 2] - m2) * s2;
    }
  }
  return out;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
