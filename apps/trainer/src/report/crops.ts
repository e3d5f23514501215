// The report's images as PNGs for embedding: a box cropped from its image with some context,
// and a matrix drawn one pixel per cell.

import sharp from 'sharp';

export interface CropOptions {
  /** Context kept around the box, as a fraction of its longer side. */
  margin?: number;
  /** The crop is scaled to fit this many pixels on its longer side. */
  size?: number;
  color?: string;
  lineWidth?: number;
}

/**
 * Crop `box` (`[x1, y1, x2, y2]`, image pixels) with some context from an image file,
 * scale it to `size`, draw the box, and return a PNG.
 */
export async function cropWithBox(
  imagePath: string,
  box: [number, number, number, number],
  o: CropOptions = {},
): Promise<Buffer> {
  const margin = o.margin ?? 0.25;
  const size = o.size ?? 128;
  const image = sharp(imagePath);
  const meta = await image.metadata();
  const W = meta.width;
  const H = meta.height;
  if (!W || !H) throw new Error(`${imagePath}: cannot read the image size`);
  const [x1, y1, x2, y2] = [
    Math.max(0, Math.min(W, box[0])),
    Math.max(0, Math.min(H, box[1])),
    Math.max(0, Math.min(W, box[2])),
    Math.max(0, Math.min(H, box[3])),
  ];
  const pad = Math.max(x2 - x1, y2 - y1, 4) * margin;
  const left = Math.max(0, Math.floor(x1 - pad));
  const top = Math.max(0, Math.floor(y1 - pad));
  const right = Math.min(W, Math.ceil(x2 + pad));
  const bottom = Math.min(H, Math.ceil(y2 + pad));
  const width = Math.max(1, right - left);
  const height = Math.max(1, bottom - top);
  const scale = size / Math.max(width, height);
  const outW = Math.max(1, Math.round(width * scale));
  const outH = Math.max(1, Math.round(height * scale));
  const lw = o.lineWidth ?? 2;
  const rx = (x1 - left) * scale;
  const ry = (y1 - top) * scale;
  const rw = Math.max(1, (x2 - x1) * scale);
  const rh = Math.max(1, (y2 - y1) * scale);
  const overlay = Buffer.from(
    `<svg width="${outW}" height="${outH}"><rect x="${rx + lw / 2}" y="${ry + lw / 2}" width="${Math.max(1, rw - lw)}" height="${Math.max(1, rh - lw)}" fill="none" stroke="${o.color ?? '#ff00cc'}" stroke-width="${lw}"/></svg>`,
  );
  return sharp(imagePath)
    .extract({ left, top, width, height })
    .resize(outW, outH, { kernel: scale > 1 ? 'nearest' : 'lanczos3' })
    .removeAlpha()
    .composite([{ input: overlay, top: 0, left: 0 }])
    .png()
    .toBuffer();
}

/** Square matrix as a raster (one pixel per cell), coloured by `color(value / max)`. */
export async function matrixPng(
  matrix: number[][],
  color: (t: number) => [number, number, number],
): Promise<Buffer> {
  const n = matrix.length;
  const max = Math.max(1e-30, ...matrix.map((r) => Math.max(...r)));
  const px = Buffer.alloc(n * n * 3);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const [r, g, b] = color(Math.sqrt(matrix[i]![j]! / max));
      px.set([r, g, b], (i * n + j) * 3);
    }
  }
  return sharp(px, { raw: { width: n, height: n, channels: 3 } })
    .png()
    .toBuffer();
}

export function pngDataUri(png: Buffer): string {
  return `data:image/png;base64,${png.toString('base64')}`;
}
