// The mask ops mmdetection's mask head needs: mask targets cropped from GT bitmaps, and
// predicted masks pasted back into the image.

import { applyPlan, planRoiAlign } from './roi-align-plan.js';

/**
 * mmdetection's mask_target_single: each proposal (clipped to the image) crops its GT
 * bitmap (H*W row-major, 0/1) with aligned RoIAlign (adaptive sampling) to size x size,
 * then binarises at >= 0.5. Returns P*size*size (0/1).
 */
export function maskTargets(
  proposals: Float32Array,
  gtMasks: Uint8Array[],
  imageHeight: number,
  imageWidth: number,
  size = 28,
): Float32Array {
  const p = Math.floor(proposals.length / 4);
  if (gtMasks.length !== p)
    throw new Error(`maskTargets: ${gtMasks.length} gt masks for ${p} proposals`);
  const out = new Float32Array(p * size * size);
  const plane = new Float32Array(imageHeight * imageWidth);
  const bin = new Float32Array(size * size);
  for (let i = 0; i < p; i++) {
    const m = gtMasks[i];
    if (m.length !== imageHeight * imageWidth) {
      throw new Error(
        `maskTargets: gtMasks[${i}] has ${m.length} pixels, expected ${imageHeight}x${imageWidth}`,
      );
    }
    for (let t = 0; t < m.length; t++) plane[t] = m[t];
    const clip = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
    const roi = [
      0,
      clip(proposals[i * 4], imageWidth),
      clip(proposals[i * 4 + 1], imageHeight),
      clip(proposals[i * 4 + 2], imageWidth),
      clip(proposals[i * 4 + 3], imageHeight),
    ];
    const plan = planRoiAlign(roi, {
      batch: 1,
      height: imageHeight,
      width: imageWidth,
      outputSize: [size, size],
      spatialScale: 1,
      samplingRatio: 0,
      aligned: true,
    });
    applyPlan(plan, plane, 1, bin);
    for (let t = 0; t < bin.length; t++) out[i * size * size + t] = bin[t] >= 0.5 ? 1 : 0;
  }
  return out;
}

/**
 * mmdetection's _do_paste_mask: each box's size x size probabilities are resampled into
 * the image with bilinear grid sampling (align_corners false, zero padding), pixel (x, y)
 * sampled at its centre. Returns per box an H*W map, 0/1 at `threshold` (>=) or the soft
 * values when threshold < 0. A box with zero width or height pastes nothing (mmdetection
 * would smear it across the image through a division by zero).
 */
export function pasteMasks(
  masks: Float32Array,
  size: number,
  boxes: Float32Array,
  imageHeight: number,
  imageWidth: number,
  threshold = 0.5,
): Float32Array[] {
  const n = Math.floor(boxes.length / 4);
  if (masks.length !== n * size * size) {
    throw new Error(`pasteMasks: ${masks.length} mask values for ${n} boxes of ${size}x${size}`);
  }
  const result: Float32Array[] = [];
  const colX0 = new Int32Array(imageWidth);
  const colFx = new Float32Array(imageWidth);
  for (let b = 0; b < n; b++) {
    const out = new Float32Array(imageHeight * imageWidth);
    result.push(out);
    const [x1, y1, x2, y2] = [boxes[b * 4], boxes[b * 4 + 1], boxes[b * 4 + 2], boxes[b * 4 + 3]];
    const bw = x2 - x1;
    const bh = y2 - y1;
    if (!(bw > 0) || !(bh > 0)) continue;
    const m = masks.subarray(b * size * size, (b + 1) * size * size);
    // Mask coordinate of an image coordinate: ((c + 0.5 - x1) / w) * size - 0.5; only
    // pixels within one mask cell of the box can be non-zero.
    const cellX = bw / size;
    const cellY = bh / size;
    const xa = Math.max(0, Math.floor(x1 - cellX - 1));
    const xb = Math.min(imageWidth, Math.ceil(x2 + cellX + 1));
    const ya = Math.max(0, Math.floor(y1 - cellY - 1));
    const yb = Math.min(imageHeight, Math.ceil(y2 + cellY + 1));
    for (let x = xa; x < xb; x++) {
      const px = Math.fround(((x + 0.5 - x1) / bw) * size - 0.5);
      colX0[x] = Math.floor(px);
      colFx[x] = px - colX0[x];
    }
    for (let y = ya; y < yb; y++) {
      const py = Math.fround(((y + 0.5 - y1) / bh) * size - 0.5);
      const y0 = Math.floor(py);
      const fy = py - y0;
      for (let x = xa; x < xb; x++) {
        const x0 = colX0[x];
        const fx = colFx[x];
        const at = (yy: number, xx: number) =>
          yy >= 0 && yy < size && xx >= 0 && xx < size ? m[yy * size + xx] : 0;
        const v =
          (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
          fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
        out[y * imageWidth + x] = threshold >= 0 ? (v >= threshold ? 1 : 0) : v;
      }
    }
  }
  return result;
}

/**
 * torchvision's `paste_masks_in_image` (0.14): each `size x size` mask padded by one zero cell
 * per side, its box expanded by `(size + 2) / size` about the centre and truncated to integer
 * pixels, the padded mask resized to the box's `(x2 - x1 + 1) x (y2 - y1 + 1)` pixels with
 * bilinear interpolation (`align_corners=False`, source clamped at 0) and written into the
 * image. Returns per box an H*W map, 0/1 at `threshold` (>=) or soft values when threshold < 0.
 */
export function pasteMasksTorchvision(
  masks: Float32Array,
  size: number,
  boxes: Float32Array,
  imageHeight: number,
  imageWidth: number,
  threshold = 0.5,
): Float32Array[] {
  const n = Math.floor(boxes.length / 4);
  if (masks.length !== n * size * size) {
    throw new Error(
      `pasteMasksTorchvision: ${masks.length} mask values for ${n} boxes of ${size}x${size}`,
    );
  }
  const padded = size + 2;
  const scale = padded / size;
  const result: Float32Array[] = [];
  for (let b = 0; b < n; b++) {
    const out = new Float32Array(imageHeight * imageWidth);
    result.push(out);
    const m = masks.subarray(b * size * size, (b + 1) * size * size);
    const at = (yy: number, xx: number) =>
      yy >= 1 && yy <= size && xx >= 1 && xx <= size ? m[(yy - 1) * size + (xx - 1)] : 0;
    const o = b * 4;
    const wHalf = Math.fround(Math.fround(boxes[o + 2] - boxes[o]) * 0.5) * scale;
    const hHalf = Math.fround(Math.fround(boxes[o + 3] - boxes[o + 1]) * 0.5) * scale;
    const xc = Math.fround(Math.fround(boxes[o + 2] + boxes[o]) * 0.5);
    const yc = Math.fround(Math.fround(boxes[o + 3] + boxes[o + 1]) * 0.5);
    const bx0 = Math.trunc(Math.fround(xc - wHalf));
    const by0 = Math.trunc(Math.fround(yc - hHalf));
    const bx1 = Math.trunc(Math.fround(xc + wHalf));
    const by1 = Math.trunc(Math.fround(yc + hHalf));
    const w = Math.max(bx1 - bx0 + 1, 1);
    const h = Math.max(by1 - by0 + 1, 1);
    const source = (i: number, outLen: number): [number, number, number] => {
      const src = Math.max(0, (i + 0.5) * (padded / outLen) - 0.5);
      const i0 = Math.min(Math.floor(src), padded - 1);
      return [i0, Math.min(i0 + 1, padded - 1), src - i0];
    };
    const x0 = Math.max(bx0, 0);
    const x1 = Math.min(bx1 + 1, imageWidth);
    const y0 = Math.max(by0, 0);
    const y1 = Math.min(by1 + 1, imageHeight);
    for (let y = y0; y < y1; y++) {
      const [ya, yb, fy] = source(y - by0, h);
      for (let x = x0; x < x1; x++) {
        const [xa, xb, fx] = source(x - bx0, w);
        const v =
          (1 - fy) * ((1 - fx) * at(ya, xa) + fx * at(ya, xb)) +
          fy * ((1 - fx) * at(yb, xa) + fx * at(yb, xb));
        out[y * imageWidth + x] = threshold >= 0 ? (v >= threshold ? 1 : 0) : v;
      }
    }
  }
  return result;
}
