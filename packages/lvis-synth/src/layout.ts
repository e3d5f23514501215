// Where one image's objects go: random poses accepted only while every object stays visible
// enough, so the planned classes are always present.

import { type Random, uniform } from '@crat/core';
import polygonClipping, { type MultiPolygon } from 'polygon-clipping';
import type { SynthClass } from './categories.js';
import { multiPolygonArea } from './polygon-geometry.js';
import { type Pose, placeShape } from './shapes.js';

/** One object drawn in an image. */
export interface PlacedObject {
  classIndex: number;
  pose: Pose;
  /** The whole outline (drawn). */
  shape: MultiPolygon;
  /** What is left after the image border and the objects drawn later (annotated). */
  visible: MultiPolygon;
  /** False for an instance drawn but left out of the annotations (federated labels). */
  annotated: boolean;
  /** Lightness jitter in HSL percentage points and texture phase, per instance. */
  lightnessJitter: number;
  texturePhase: number;
}

export interface LayoutOptions {
  width: number;
  height: number;
  /** Most objects in one image. */
  maxObjects: number;
  /** Probability of one more instance of a class already in the image (geometric). */
  extraInstanceProbability: number;
  /** An object keeps at least this share of its area visible (border and occlusion). */
  minVisibleFraction: number;
}

/**
 * The objects of one image: poses drawn at random (log-uniform size, any rotation, some
 * stretch), accepted only if every object, earlier ones included, stays visible enough.
 * First instances of each class are placed before extra ones, so the planned classes are
 * always present; an extra instance that does not fit is left out.
 */
export function layoutObjects(
  classes: readonly SynthClass[],
  imageClasses: readonly number[],
  opts: LayoutOptions,
  random: Random,
): PlacedObject[] {
  const { width: W, height: H } = opts;
  const wanted: { classIndex: number; required: boolean }[] = imageClasses.map((c) => ({
    classIndex: c,
    required: true,
  }));
  for (const c of imageClasses) {
    while (wanted.length < opts.maxObjects && random() < opts.extraInstanceProbability) {
      wanted.push({ classIndex: c, required: false });
    }
  }
  if (wanted.length > opts.maxObjects) {
    throw new RangeError(
      `lvis-synth: an image was given ${wanted.length} classes, more than maxObjects ${opts.maxObjects}`,
    );
  }
  const side = Math.min(W, H);
  const frame: MultiPolygon = [
    [
      [
        [0, 0],
        [W, 0],
        [W, H],
        [0, H],
        [0, 0],
      ],
    ],
  ];
  const minR = Math.max(3, side * 0.045);
  const maxR = side * 0.32;
  const placed: (PlacedObject & { fullArea: number })[] = [];
  for (const want of wanted) {
    const cls = classes[want.classIndex];
    let accepted: (PlacedObject & { fullArea: number }) | undefined;
    let updated: MultiPolygon[] | undefined;
    for (let attempt = 0; attempt < 60 && !accepted; attempt++) {
      // Later attempts try smaller objects: a crowded image still fits its classes.
      const shrink = attempt < 20 ? 1 : 0.97 ** (attempt - 20);
      const radius = Math.exp(uniform(random, Math.log(minR), Math.log(maxR))) * shrink;
      const r = Math.max(minR * 0.8, radius);
      const pose: Pose = {
        cx: uniform(random, 0.35 * r, W - 0.35 * r),
        cy: uniform(random, 0.35 * r, H - 0.35 * r),
        radius: r,
        angle: uniform(random, 0, 2 * Math.PI),
        stretch: uniform(random, 0.8, 1.25),
      };
      const shape = placeShape(cls.family, pose);
      const fullArea = multiPolygonArea(shape);
      const inFrame = safe(() => polygonClipping.intersection(shape, frame));
      if (!inFrame || multiPolygonArea(inFrame) < opts.minVisibleFraction * fullArea) continue;
      const next: MultiPolygon[] = [];
      let ok = true;
      for (const prev of placed) {
        const v = safe(() => polygonClipping.difference(prev.visible, shape));
        if (!v || multiPolygonArea(v) < opts.minVisibleFraction * prev.fullArea) {
          ok = false;
          break;
        }
        next.push(v);
      }
      if (!ok) continue;
      accepted = {
        classIndex: want.classIndex,
        pose,
        shape,
        visible: inFrame,
        annotated: true,
        fullArea,
        lightnessJitter: uniform(random, -7, 7),
        texturePhase: random(),
      };
      updated = next;
    }
    if (!accepted || !updated) {
      if (want.required) {
        throw new RangeError(
          `lvis-synth: could not place a ${cls.name} in a ${W}x${H} image with ${placed.length} other objects; use larger images`,
        );
      }
      continue;
    }
    updated.forEach((v, k) => {
      placed[k].visible = v;
    });
    placed.push(accepted);
  }
  return placed.map(({ fullArea: _, ...o }) => o);
}

/** polygon-clipping can throw on near-degenerate input; such a pose is simply retried. */
function safe(op: () => MultiPolygon): MultiPolygon | undefined {
  try {
    return op();
  } catch {
    return undefined;
  }
}
