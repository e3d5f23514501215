// Everything the report draws, read from a work dir: metrics, evaluations, categories with
// their training counts, CRAT transfer files, and where each image file is.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { LVISEvalReport } from 'lvis-ts-types';
import { type MetricsRecord, readMetrics } from '../train/metrics-log.js';
import { type TransferReport, validateTransferReport } from './transfer-report.js';

export interface ReportCategory {
  /** Contiguous class index (categories sorted by id), as the model's labels. */
  index: number;
  id: number;
  name: string;
  frequency: string;
  /** Training instances of the class. */
  trainCount: number;
}

/** One evaluation written by the trainer as `eval/iter_NNNNNN.json`. */
export interface EvalRecord {
  iter?: number;
  epoch?: number;
  bbox?: LVISEvalReport;
  segm?: LVISEvalReport;
}

export interface ReportInputs {
  workDir: string;
  /** The config file the run was trained from, when the work dir records it. */
  configFile?: string;
  metrics: MetricsRecord[];
  /** Evaluations, oldest first. */
  evals: EvalRecord[];
  categories: ReportCategory[];
  transfers: TransferReport[];
  /** The image file of a dataset image id, when it can be found. */
  imagePath(imageId: number): string | null;
}

export interface ReadReportOptions {
  /** Annotation file with the categories (default: the run's val, else train, annotations). */
  annFile?: string;
  /** Training annotation file, for image file names of transfused samples. */
  trainAnnFile?: string;
  /** Folder of the training images. */
  imgDir?: string;
  /** Base for relative paths in the run's config.json (default: the working directory). */
  cwd?: string;
}

// Annotation files larger than this are not parsed for image names (LVIS v1 train is
// ~1.1 GB); COCO's file layout is tried instead.
const MAX_PARSE_BYTES = 400 * 1024 * 1024;

interface RunConfigJson {
  file?: string;
  config?: {
    dataset?: { train?: { annFile?: string; imgDir?: string }; val?: { annFile?: string } };
  };
}

/** Gather everything the report draws from a work dir. */
export function readReportInputs(workDir: string, o: ReadReportOptions = {}): ReportInputs {
  if (!existsSync(workDir) || !statSync(workDir).isDirectory()) {
    throw new Error(`work dir '${workDir}' does not exist`);
  }
  const cwd = o.cwd ?? process.cwd();
  const at = (p: string | undefined) =>
    p === undefined ? undefined : isAbsolute(p) ? p : resolve(cwd, p);
  const runConfigPath = join(workDir, 'config.json');
  const run: RunConfigJson = existsSync(runConfigPath)
    ? (parseJson(runConfigPath) as RunConfigJson)
    : {};
  const ds = run.config?.dataset;
  const trainAnn = at(o.trainAnnFile ?? ds?.train?.annFile);
  const catAnn = at(o.annFile ?? ds?.val?.annFile ?? ds?.train?.annFile);
  const imgDir = at(o.imgDir ?? ds?.train?.imgDir);

  const metricsPath = join(workDir, 'metrics.jsonl');
  const metrics = existsSync(metricsPath) ? readMetrics(metricsPath) : [];

  const evalDir = join(workDir, 'eval');
  const evals: EvalRecord[] = existsSync(evalDir)
    ? readdirSync(evalDir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => parseJson(join(evalDir, f)) as EvalRecord)
        .sort((a, b) => (a.iter ?? 0) - (b.iter ?? 0))
    : [];

  const trainSet =
    trainAnn && existsSync(trainAnn) && statSync(trainAnn).size <= MAX_PARSE_BYTES
      ? parseAnn(trainAnn)
      : null;
  const catSet =
    catAnn && existsSync(catAnn)
      ? catAnn === trainAnn && trainSet
        ? trainSet
        : parseAnn(catAnn)
      : trainSet;
  const categories = catSet ? categoriesOf(catSet, trainSet) : [];

  const transfers = readdirSync(workDir)
    .filter((f) => /^crat_transfer(_[\w-]+)?\.json$/.test(f))
    .sort()
    .map((f) => {
      const t = validateTransferReport(parseJson(join(workDir, f)), join(workDir, f));
      return t.branch ? t : { ...t, branch: f.replace(/^crat_transfer_?|\.json$/g, '') || 'bbox' };
    });

  const fileOf = new Map<number, string>();
  for (const img of trainSet?.images ?? []) {
    const name =
      img.file_name ?? (img.coco_url ? img.coco_url.split('/').slice(-2).join('/') : undefined);
    if (name) fileOf.set(img.id, name);
  }
  const imagePath = (id: number): string | null => {
    if (!imgDir) return null;
    const known = fileOf.get(id);
    const candidates = known
      ? [join(imgDir, known)]
      : ['train2017', 'val2017'].map((d) => join(imgDir, d, `${String(id).padStart(12, '0')}.jpg`));
    return candidates.find((p) => existsSync(p)) ?? null;
  };

  return {
    workDir,
    ...(run.file ? { configFile: run.file } : {}),
    metrics,
    evals,
    categories,
    transfers,
    imagePath,
  };
}

interface AnnLike {
  images?: { id: number; file_name?: string; coco_url?: string }[];
  annotations?: { category_id: number }[];
  categories?: { id: number; name: string; frequency?: string; instance_count?: number }[];
}

function parseAnn(path: string): AnnLike {
  const v = parseJson(path) as AnnLike;
  if (!Array.isArray(v.categories)) throw new Error(`${path}: categories: expected an array`);
  return v;
}

function categoriesOf(catSet: AnnLike, trainSet: AnnLike | null): ReportCategory[] {
  const counted = new Map<number, number>();
  for (const a of trainSet?.annotations ?? [])
    counted.set(a.category_id, (counted.get(a.category_id) ?? 0) + 1);
  return [...(catSet.categories ?? [])]
    .sort((a, b) => a.id - b.id)
    .map((c, index) => ({
      index,
      id: c.id,
      name: c.name,
      frequency: c.frequency ?? '?',
      trainCount: trainSet?.annotations ? (counted.get(c.id) ?? 0) : (c.instance_count ?? 0),
    }));
}

function parseJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}
