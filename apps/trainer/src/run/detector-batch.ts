import type { Batch } from '@crat/data';
import type { DetectorBatch, DetectorImageMeta, DetectorInputs } from './detector-api.js';

/** `@crat/data`'s image metadata in the detector's terms. */
export function toDetectorMeta(m: Batch['metas'][number]): DetectorImageMeta {
  return {
    imageId: m.imageId,
    imageShape: [m.imgShape[0], m.imgShape[1]],
    padShape: [m.padShape[0], m.padShape[1]],
    originalShape: [m.oriShape[0], m.oriShape[1]],
    scaleFactor: [m.scaleFactor[0], m.scaleFactor[1]],
    flipped: m.flip,
  };
}

/** Inference input from a data batch: the image tensor is shared, not copied. */
export function toDetectorInputs(b: Batch): DetectorInputs {
  return { images: b.images, metas: b.metas.map(toDetectorMeta) };
}

/**
 * A training batch for the detector: boxes and labels read back to typed arrays, and each
 * image's masks (stored at its padded size by the pipeline) cropped to the resized image.
 * The image tensor stays shared with `b`; the GT tensors of `b` are disposed.
 */
export function toDetectorBatch(b: Batch): DetectorBatch {
  const gtBoxes = b.gtBoxes.map((t) => Float32Array.from(t.dataSync()));
  const gtLabels = b.gtLabels.map((t) => Int32Array.from(t.dataSync()));
  const gtMasks = b.metas.map((m, i) => {
    const n = gtLabels[i]!.length;
    const [ph, pw] = m.padShape;
    const [h, w] = m.imgShape;
    const all = b.gtMasks[i]!;
    const out: Uint8Array[] = [];
    for (let k = 0; k < n; k++) {
      const mask = new Uint8Array(h * w);
      for (let y = 0; y < h; y++) {
        const src = k * ph * pw + y * pw;
        mask.set(all.subarray(src, src + w), y * w);
      }
      out.push(mask);
    }
    return out;
  });
  for (const t of [...b.gtBoxes, ...b.gtLabels]) t.dispose();
  return { images: b.images, metas: b.metas.map(toDetectorMeta), gtBoxes, gtLabels, gtMasks };
}
