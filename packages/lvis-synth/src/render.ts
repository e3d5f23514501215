// Images drawn and encoded as PNG: a muted patterned background, then each object filled in
// its class's colour and texture.

import { type Random, randomInt, uniform } from '@crat/core';
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { MultiPolygon } from 'polygon-clipping';
import type { Texture } from './appearance.js';
import type { SynthClass } from './categories.js';
import type { PlacedObject } from './layout.js';

export type BackgroundPattern = 'noise' | 'stripes' | 'grid' | 'blotches';
const BACKGROUND_PATTERNS: readonly BackgroundPattern[] = ['noise', 'stripes', 'grid', 'blotches'];

/** A muted, low-contrast background so that objects stand out by colour and shape. */
export interface Background {
  hue: number;
  saturation: number;
  lightness: number;
  pattern: BackgroundPattern;
  /** Pattern parameters in [0, 1). */
  params: number[];
}

export function drawBackgroundSpec(random: Random): Background {
  return {
    hue: uniform(random, 0, 360),
    saturation: uniform(random, 0, 18),
    lightness: uniform(random, 30, 78),
    pattern: BACKGROUND_PATTERNS[randomInt(random, BACKGROUND_PATTERNS.length)],
    params: Array.from({ length: 40 }, () => random()),
  };
}

const hsl = (h: number, s: number, l: number, a = 1) =>
  `hsla(${h.toFixed(1)}, ${s.toFixed(1)}%, ${Math.max(0, Math.min(100, l)).toFixed(1)}%, ${a})`;

function drawBackground(ctx: SKRSContext2D, bg: Background, W: number, H: number): void {
  ctx.fillStyle = hsl(bg.hue, bg.saturation, bg.lightness);
  ctx.fillRect(0, 0, W, H);
  const p = bg.params;
  const shade = (k: number) => hsl(bg.hue, bg.saturation, bg.lightness + (p[k] - 0.5) * 16);
  switch (bg.pattern) {
    case 'noise': {
      // Value noise: a coarse random grid, smoothly upscaled.
      const n = 6;
      const small = createCanvas(n, n);
      const sctx = small.getContext('2d');
      for (let k = 0; k < n * n; k++) {
        sctx.fillStyle = shade(k % p.length);
        sctx.fillRect(k % n, Math.floor(k / n), 1, 1);
      }
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(small, 0, 0, W, H);
      break;
    }
    case 'stripes': {
      const period = 4 + p[0] * 10;
      ctx.save();
      ctx.translate(W / 2, H / 2);
      ctx.rotate(p[1] * Math.PI);
      ctx.fillStyle = hsl(bg.hue, bg.saturation, bg.lightness + (p[2] < 0.5 ? -6 : 6));
      const R = W + H;
      for (let x = -R; x < R; x += period) ctx.fillRect(x, -R, period * (0.3 + 0.3 * p[3]), 2 * R);
      ctx.restore();
      break;
    }
    case 'grid': {
      const period = 8 + p[0] * 16;
      ctx.strokeStyle = hsl(bg.hue, bg.saturation, bg.lightness + (p[2] < 0.5 ? -7 : 7));
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (let x = p[1] * period; x < W; x += period) {
        ctx.moveTo(x, 0);
        ctx.lineTo(x, H);
      }
      for (let y = p[3] * period; y < H; y += period) {
        ctx.moveTo(0, y);
        ctx.lineTo(W, y);
      }
      ctx.stroke();
      break;
    }
    case 'blotches': {
      for (let k = 0; k + 3 < p.length; k += 4) {
        ctx.fillStyle = shade(k + 3);
        ctx.beginPath();
        ctx.ellipse(
          p[k] * W,
          p[k + 1] * H,
          3 + p[k + 2] * W * 0.15,
          3 + p[k + 3] * H * 0.1,
          p[k] * 3,
          0,
          2 * Math.PI,
        );
        ctx.fill();
      }
      break;
    }
  }
}

function tracePath(ctx: SKRSContext2D, mp: MultiPolygon): void {
  ctx.beginPath();
  for (const poly of mp) {
    for (const ring of poly) {
      ctx.moveTo(ring[0][0], ring[0][1]);
      for (let i = 1; i < ring.length; i++) ctx.lineTo(ring[i][0], ring[i][1]);
      ctx.closePath();
    }
  }
}

function drawTexture(ctx: SKRSContext2D, texture: Texture, o: PlacedObject, colour: string): void {
  const { cx, cy, radius, angle } = o.pose;
  const period = Math.max(3, radius / 2.5);
  ctx.save();
  ctx.clip('evenodd');
  ctx.translate(cx, cy);
  ctx.rotate(angle);
  ctx.fillStyle = colour;
  const R = radius * 1.6;
  const shift = o.texturePhase * period;
  if (texture === 'striped') {
    for (let x = -R - shift; x < R; x += period) ctx.fillRect(x, -R, period * 0.45, 2 * R);
  } else if (texture === 'dotted') {
    ctx.beginPath();
    for (let x = -R - shift; x < R; x += period) {
      for (let y = -R - shift; y < R; y += period) {
        ctx.moveTo(x + period * 0.22, y);
        ctx.arc(x, y, period * 0.22, 0, 2 * Math.PI);
      }
    }
    ctx.fill();
  } else if (texture === 'checkered') {
    let row = 0;
    for (let y = -R - shift; y < R; y += period, row++) {
      let col = 0;
      for (let x = -R - shift; x < R; x += period, col++) {
        if ((row + col) % 2 === 0) ctx.fillRect(x, y, period, period);
      }
    }
  }
  ctx.restore();
}

/** Draw one image (background, then objects in placement order) and encode it as PNG. */
export function renderPng(
  classes: readonly SynthClass[],
  background: Background,
  objects: readonly PlacedObject[],
  W: number,
  H: number,
): Buffer {
  const canvas = createCanvas(W, H);
  const ctx = canvas.getContext('2d');
  drawBackground(ctx, background, W, H);
  for (const o of objects) {
    const v = classes[o.classIndex].variant;
    const l = v.lightness + o.lightnessJitter;
    tracePath(ctx, o.shape);
    ctx.fillStyle = hsl(v.hue, v.saturation, l);
    ctx.fill('evenodd');
    if (v.texture !== 'solid') {
      tracePath(ctx, o.shape);
      drawTexture(ctx, v.texture, o, hsl(v.hue, v.saturation, l - 24));
    }
  }
  return canvas.encodeSync('png');
}
