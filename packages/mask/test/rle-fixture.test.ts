import type { CompressedRLE, UncompressedRLE } from 'lvis-ts-types';
import { describe, expect, it } from 'vitest';
import {
  bboxIou,
  bboxToRle,
  compressCounts,
  decodeRle,
  decompressCounts,
  encodeMask,
  frPyObjects,
  mergeRles,
  polygonsToRle,
  polygonToRle,
  rleArea,
  rleFromJson,
  rleIou,
  rleToBbox,
  rleToJson,
  segmentationToRle,
} from '../src/index.js';
import { flattenMask, readFixture } from './fixtures.js';

type Box = [number, number, number, number];
interface RleFixture {
  encode: {
    name: string;
    height: number;
    width: number;
    mask: number[][];
    rle: CompressedRLE;
    uncompressed_counts: number[];
    area: number;
    bbox: Box;
  }[];
  decode: {
    name: string;
    uncompressed: UncompressedRLE | null;
    rle: CompressedRLE;
    mask: number[][];
    area: number;
    bbox: Box;
  }[];
  iou: {
    dt: CompressedRLE[];
    gt: CompressedRLE[];
    cases: { iscrowd: number[]; iou: number[][] }[];
  };
  bbox_iou: { dt: Box[]; gt: Box[]; cases: { iscrowd: number[]; iou: number[][] }[] };
  merge: {
    name: string;
    intersect: boolean;
    inputs: CompressedRLE[];
    rle: CompressedRLE;
    mask: number[][];
    area: number;
  }[];
  frPyObjects_polygons: {
    name: string;
    height: number;
    width: number;
    polygons: number[][];
    per_polygon_rles: CompressedRLE[];
    per_polygon_areas: number[];
    merged_rle: CompressedRLE;
    merged_mask: number[][];
    merged_area: number;
    merged_bbox: Box;
  }[];
  frPyObjects_bboxes: {
    height: number;
    width: number;
    bboxes: Box[];
    rles: CompressedRLE[];
    masks: number[][][];
    areas: number[];
  };
  frPyObjects_uncompressed: { name: string; input: UncompressedRLE; rle: CompressedRLE }[];
}

const fx = readFixture<RleFixture>('ops/rle.json');

function expectMatrixClose(actual: number[][], expected: number[][], tol: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => {
    expect(row.length).toBe(expected[i].length);
    row.forEach((v, j) => {
      expect(Math.abs(v - expected[i][j])).toBeLessThanOrEqual(tol);
    });
  });
}

describe('pycocotools fixture: encode', () => {
  it.each(fx.encode.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const rle = encodeMask(flattenMask(c.mask), c.height, c.width);
    expect(Array.from(rle.counts)).toEqual(c.uncompressed_counts);
    expect(rleToJson(rle)).toEqual(c.rle);
    expect(rleArea(rle)).toBe(c.area);
    expect(rleToBbox(rle)).toEqual(c.bbox);
    expect(decodeRle(rle)).toEqual(flattenMask(c.mask));
  });
});

describe('pycocotools fixture: decode', () => {
  it.each(fx.decode.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const rle = rleFromJson(c.rle);
    expect(decodeRle(rle)).toEqual(flattenMask(c.mask));
    expect(rleArea(rle)).toBe(c.area);
    expect(rleToBbox(rle)).toEqual(c.bbox);
    if (c.uncompressed) {
      expect(Array.from(decompressCounts(c.rle.counts))).toEqual(c.uncompressed.counts);
      expect(compressCounts(c.uncompressed.counts)).toBe(c.rle.counts);
    }
  });
});

describe('pycocotools fixture: iou', () => {
  const dt = fx.iou.dt.map(rleFromJson);
  const gt = fx.iou.gt.map(rleFromJson);
  it.each(fx.iou.cases.map((c) => [c.iscrowd.join(','), c] as const))(
    'masks, iscrowd %s',
    (_n, c) => {
      expectMatrixClose(rleIou(dt, gt, c.iscrowd), c.iou, 1e-9);
    },
  );
  it.each(fx.bbox_iou.cases.map((c) => [c.iscrowd.join(','), c] as const))(
    'boxes, iscrowd %s',
    (_n, c) => {
      expectMatrixClose(bboxIou(fx.bbox_iou.dt, fx.bbox_iou.gt, c.iscrowd), c.iou, 1e-9);
    },
  );
});

describe('pycocotools fixture: merge', () => {
  it.each(fx.merge.map((c) => [`${c.name} intersect=${c.intersect}`, c] as const))(
    '%s',
    (_n, c) => {
      const merged = mergeRles(c.inputs.map(rleFromJson), c.intersect);
      expect(rleToJson(merged)).toEqual(c.rle);
      expect(rleArea(merged)).toBe(c.area);
      expect(decodeRle(merged)).toEqual(flattenMask(c.mask));
    },
  );
});

describe('pycocotools fixture: frPyObjects', () => {
  it.each(fx.frPyObjects_polygons.map((c) => [c.name, c] as const))('polygons %s', (_n, c) => {
    const per = c.polygons.map((p) => polygonToRle(p, c.height, c.width));
    expect(per.map(rleToJson)).toEqual(c.per_polygon_rles);
    expect(per.map(rleArea)).toEqual(c.per_polygon_areas);
    expect(frPyObjects(c.polygons, c.height, c.width)).toEqual(c.per_polygon_rles);
    const merged = polygonsToRle(c.polygons, c.height, c.width);
    expect(rleToJson(merged)).toEqual(c.merged_rle);
    expect(rleArea(merged)).toBe(c.merged_area);
    expect(rleToBbox(merged)).toEqual(c.merged_bbox);
    expect(decodeRle(merged)).toEqual(flattenMask(c.merged_mask));
    expect(rleToJson(segmentationToRle(c.polygons, c.height, c.width))).toEqual(c.merged_rle);
  });

  it('boxes', () => {
    const b = fx.frPyObjects_bboxes;
    const rles = b.bboxes.map((box) => bboxToRle(box, b.height, b.width));
    expect(rles.map(rleToJson)).toEqual(b.rles);
    expect(rles.map(rleArea)).toEqual(b.areas);
    rles.forEach((r, i) => {
      expect(decodeRle(r)).toEqual(flattenMask(b.masks[i]));
    });
    expect(frPyObjects(b.bboxes, b.height, b.width)).toEqual(b.rles);
  });

  it.each(fx.frPyObjects_uncompressed.map((c) => [c.name, c] as const))(
    'uncompressed %s',
    (_n, c) => {
      expect(frPyObjects(c.input, 0, 0)).toEqual(c.rle);
      expect(rleToJson(segmentationToRle(c.input, c.input.size[0], c.input.size[1]))).toEqual(
        c.rle,
      );
    },
  );
});
