import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@crat/core';
import sharp from 'sharp';

export interface SyntheticRun {
  workDir: string;
  dataDir: string;
  classNames: string[];
  /** Objects drawn in each image: class index and box `[x1, y1, x2, y2]`. */
  objects: Map<
    number,
    { cls: number; box: [number, number, number, number]; color: [number, number, number] }[]
  >;
  rareClasses: number[];
}

const SHAPES = ['disc', 'square', 'star'];
const LOOKS = ['red', 'striped', 'dotted'];

/**
 * A work dir as a CRAT run leaves it (metrics.jsonl, eval/, crat_transfer_*.json, config.json)
 * over a tiny LVIS-format dataset with real PNG images, all made up from a seed.
 */
export async function makeSyntheticRun(seed = 1, numImages = 6): Promise<SyntheticRun> {
  const rng = new Rng(seed);
  const root = mkdtempSync(join(tmpdir(), 'crat-report-'));
  const workDir = join(root, 'work');
  const dataDir = join(root, 'data');
  mkdirSync(join(workDir, 'eval'), { recursive: true });
  mkdirSync(join(dataDir, 'train'), { recursive: true });
  const classNames = SHAPES.flatMap((s) => LOOKS.map((l) => `${l} ${s}`));
  classNames[classNames.length - 1] = 'dotted <star>'; // must be escaped in the page
  const C = classNames.length;
  const freq = classNames.map((_, i) => (i % 3 === 0 ? 'f' : i % 3 === 1 ? 'c' : 'r'));
  const categories = classNames.map((name, i) => ({
    id: 10 + i * 3,
    name,
    synset: `${name}.n.01`,
    synonyms: [name],
    def: name,
    frequency: freq[i],
    image_count: 0,
    instance_count: 0,
  }));

  const images: { id: number; width: number; height: number; file_name: string }[] = [];
  const annotations: {
    id: number;
    image_id: number;
    category_id: number;
    bbox: number[];
    area: number;
  }[] = [];
  const objects: SyntheticRun['objects'] = new Map();
  for (let k = 0; k < numImages; k++) {
    const id = 100 + k;
    const W = 96 + 16 * (k % 2);
    const H = 80;
    const px = Buffer.alloc(W * H * 3, 235);
    const list: {
      cls: number;
      box: [number, number, number, number];
      color: [number, number, number];
    }[] = [];
    const count = 1 + (k % 3);
    for (let j = 0; j < count; j++) {
      const cls = k % 2 === 0 ? (j * 4 + k) % C : (j * 3) % C; // head classes recur
      const w = 16 + rng.int(24);
      const h = 16 + rng.int(24);
      const x1 = rng.int(W - w);
      const y1 = rng.int(H - h);
      const color: [number, number, number] = [40 + 25 * cls, 200 - 20 * cls, 60 + 10 * j];
      for (let y = y1; y < y1 + h; y++)
        for (let x = x1; x < x1 + w; x++) px.set(color, (y * W + x) * 3);
      list.push({ cls, box: [x1, y1, x1 + w, y1 + h], color });
      annotations.push({
        id: annotations.length + 1,
        image_id: id,
        category_id: categories[cls]!.id,
        bbox: [x1, y1, w, h],
        area: w * h,
      });
    }
    objects.set(id, list);
    const file = `train/${String(id).padStart(12, '0')}.png`;
    await sharp(px, { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toFile(join(dataDir, file));
    images.push({ id, width: W, height: H, file_name: file });
  }
  const ann = { images, annotations, categories };
  writeFileSync(join(dataDir, 'train.json'), JSON.stringify(ann));
  writeFileSync(join(dataDir, 'val.json'), JSON.stringify({ ...ann, annotations: [] }));
  writeFileSync(
    join(workDir, 'config.json'),
    JSON.stringify({
      file: 'configs/synth/eqlv2_crat.ts',
      config: {
        dataset: {
          train: { annFile: join(dataDir, 'train.json'), imgDir: dataDir },
          val: { annFile: join(dataDir, 'val.json'), imgDir: dataDir },
        },
      },
    }),
  );

  const lines: string[] = [];
  const steps = 240;
  for (let i = 1; i <= steps; i++) {
    const decay = Math.exp(-i / 80);
    const cls = 0.2 + 1.2 * decay + 0.05 * rng.normal();
    const box = 0.1 + 0.5 * decay + 0.02 * rng.normal();
    const crat = 0.001 * (1 + decay);
    lines.push(
      JSON.stringify({
        mode: 'train',
        iter: i,
        epoch: 1 + Math.floor((i - 1) / 80),
        lr: 0.02 * Math.min(1, i / 50),
        loss: cls + box + crat,
        loss_cls: cls,
        loss_bbox: box,
        loss_crat_bbox: crat,
        time: 0.5,
        data_time: 0.01,
      }),
    );
    if (i % 80 === 0)
      lines.push(
        JSON.stringify({
          mode: 'val',
          iter: i,
          epoch: i / 80,
          bbox_AP: 0.1 * (i / 80),
          segm_AP: 0.08 * (i / 80),
        }),
      );
  }
  writeFileSync(join(workDir, 'metrics.jsonl'), `${lines.join('\n')}\n`);

  const metrics = (base: number) => ({
    AP: base,
    AP50: base + 0.2,
    AP75: base - 0.02,
    APs: -1,
    APm: base - 0.1,
    APl: base + 0.05,
    APr: base - 0.15,
    APc: base - 0.05,
    APf: base + 0.1,
    'AR@300': base + 0.1,
    'ARs@300': -1,
    'ARm@300': base,
    'ARl@300': base + 0.2,
  });
  const perCat = (shift: number) =>
    Object.fromEntries(
      categories
        .filter((_, i) => i !== 4)
        .map((c, i) => [String(c.id), Math.max(0, Math.min(1, 0.2 + 0.07 * i + shift))]),
    );
  writeFileSync(
    join(workDir, 'eval', 'iter_000240.json'),
    JSON.stringify({
      iter: 240,
      epoch: 3,
      bbox: { metrics: metrics(0.31), per_category_ap: perCat(0) },
      segm: { metrics: metrics(0.27), per_category_ap: perCat(-0.05) },
    }),
  );

  const matrix = Array.from({ length: C }, (_, s) =>
    Array.from({ length: C }, (_, t) =>
      s === t ? 0 : Math.floor(3 - Math.abs((s % 3) - (t % 3))) * (1 + ((s * t) % 5)) * 0.01,
    ),
  );
  const rareClasses = freq.map((f, i) => (f === 'r' ? i : -1)).filter((i) => i >= 0);
  const topSamples: Record<string, unknown[]> = {};
  for (const t of [...rareClasses, 1]) {
    topSamples[String(t)] = [...objects.entries()].slice(0, 3).map(([imageId, objs], j) => ({
      imageId,
      box: objs[0]!.box,
      sourceClass: objs[0]!.cls,
      weight: 0.5 / (j + 1),
    }));
  }
  topSamples['2']!.push({ imageId: 999, box: [0, 0, 10, 10], sourceClass: 0, weight: 0.01 }); // image not in the set
  writeFileSync(
    join(workDir, 'crat_transfer_bbox.json'),
    JSON.stringify({ branch: 'bbox', matrix, classNames, topSamples }),
  );
  return { workDir, dataDir, classNames, objects, rareClasses };
}
