// `crat bench experiments` and `crat bench select`: train every planned row for its seeds
// (reusing the finished runs of the work dir with --resume), record each run as it finishes,
// and write the Markdown document (into the README's marked section when asked).

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '@crat/core';
import type { BackendChoice } from '@crat/tensor';
import type { LVISEvalReport } from 'lvis-ts-types';
import { loadConfig } from '../config/load.js';
import { validateTransferReport } from '../report/transfer-report.js';
import type { DetectorBackend } from '../run/detector-api.js';
import { ensureDataset } from '../run/synth-dataset.js';
import { trainFromConfig } from '../run/train.js';
import { formatDuration, type ProgressStream } from '../train/progress.js';
import { type CodeVersion, codeVersionAt, describeCodeVersion } from './code-version.js';
import {
  budgetOverrides,
  type ExperimentSpec,
  experimentSpecs,
  filterSpecs,
  PIPELINE_BASE,
  PIPELINE_CRAT,
  runFolderName,
  seedsFor,
  selectionSpecs,
  stage2Overrides,
  trainingOrder,
} from './experiment-specs.js';
import {
  formatExperimentsReport,
  formatSelectionReport,
  type ReportHeader,
} from './experiments-report.js';
import { RECORDED_METRICS, type RunMetrics } from './experiments-table.js';
import { replaceMarkedSection } from './marked-section.js';
import { perClassRows, type SynthClass } from './per-class.js';
import {
  BenchResumeError,
  configHash,
  planResume,
  type RunRecord,
  readRunRecords,
  type WantedRun,
  writeRunRecord,
} from './run-records.js';

/**
 * The README section `--readme` replaces: `bench-experiments` or `bench-select` (between
 * `<!-- bench-experiments:start -->` and `<!-- bench-experiments:end -->`).
 */
export function readmeSection(kind: 'experiments' | 'select'): string {
  return `bench-${kind}`;
}

/** The parts of an LVIS file the bench reads (the rest is kept as it is). */
interface LvisImagesJson {
  images: { id: number }[];
  annotations: { image_id: number }[];
}

interface LvisJson extends LvisImagesJson {
  categories: { id: number; instance_count?: number }[];
}

/** The first `n` images of an LVIS file and their annotations (categories kept whole). */
export function lvisSubset<T extends LvisImagesJson>(json: T, n: number): T {
  const images = json.images.slice(0, n);
  const ids = new Set(images.map((i) => i.id));
  return { ...json, images, annotations: json.annotations.filter((a) => ids.has(a.image_id)) };
}

export interface ExperimentsOptions {
  budget: number;
  /** Seeds per row. */
  seeds: number;
  /** Seeds of the default pipeline's pair (EQLv2 with and without CRAT); default `seeds`. */
  pipelineSeeds?: number;
  /** `select`: the candidates of `crat bench select`, evaluated on minival. */
  kind?: 'experiments' | 'select';
  /** Markdown output file. */
  out: string;
  /** Also write the document into this Markdown file's section (see {@link readmeSection}). */
  readme?: string;
  /** Evaluation images (the first N of the split; default all). */
  valImages?: number;
  backend?: BackendChoice;
  workDir?: string;
  cwd?: string;
  /** Only the rows whose name contains one of these (and the rows they start from). */
  only?: string[];
  /** Only the rows named exactly so (and the rows they start from); with `only`, either. */
  rows?: string[];
  /** Reuse the work dir's finished runs and train only the missing ones. */
  resume?: boolean;
  /** Let one table hold runs of several code versions. */
  allowMixedCommits?: boolean;
  /** Say what would be reused and trained; train nothing and write no document. */
  dryRun?: boolean;
  log?: (message: string) => void;
  /** Each run's training and inference progress (default stdout; `false` for none). */
  progress?: ProgressStream | false;
  /** The rows (default: the kind's plan); the detector (default the registered one): for tests. */
  specs?: ExperimentSpec[];
  detector?: DetectorBackend;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** The `classes` of `synth_meta.json`, checked; null when the set has none (not a synth set). */
function readSynthClasses(file: string): SynthClass[] | null {
  if (!existsSync(file)) return null;
  const meta = readJson<{ classes?: unknown }>(file);
  if (!Array.isArray(meta.classes)) throw new Error(`${file}: classes: expected a list`);
  return meta.classes.map((c: Record<string, unknown>, i) => {
    for (const k of ['name', 'family', 'frequency'] as const) {
      if (typeof c[k] !== 'string')
        throw new Error(`${file}: classes[${i}].${k}: expected a string`);
    }
    if (!Number.isInteger(c.id)) throw new Error(`${file}: classes[${i}].id: expected an integer`);
    const look =
      typeof c.colour === 'string' && typeof c.texture === 'string'
        ? { look: `${c.colour}/${c.texture}` }
        : {};
    return { ...(c as unknown as SynthClass), ...look };
  });
}

/**
 * The `--cfg-options` of one run: the row's own, the budget's schedule (a stage 2's from its
 * stage 1's folder `from`), the seed, the CRAT mode on each of the config's `transfers`
 * transfers with every source class listed in the diagnostics (so the same-family share sees
 * all the weight), then the evaluation split and subset. "Without" and "with" rows of a seed
 * differ only in what the row itself sets.
 */
export function runCfgOptions(
  spec: ExperimentSpec,
  seed: number,
  o: {
    budget: number;
    from?: string;
    transfers: number;
    numClasses: number;
    evalOverrides: string[];
  },
): string[] {
  const transfer = Array.from({ length: o.transfers }, (_t, i) => [
    ...(spec.cratMode ? [`transfers.${i}.mode=${spec.cratMode}`] : []),
    `transfers.${i}.diagnosticsTopSources=${o.numClasses}`,
  ]).flat();
  return [
    ...(spec.cfgOptions ?? []),
    ...(o.from !== undefined ? stage2Overrides(o.budget, o.from) : budgetOverrides(o.budget)),
    `seed=${seed}`,
    ...transfer,
    ...o.evalOverrides,
  ];
}

/** The runs to train: one per row and seed, with its overrides and resolved-config hash. */
async function planRuns(
  specs: readonly ExperimentSpec[],
  o: ExperimentsOptions,
  ctx: { cwd: string; root: string; evalOverrides: string[]; numClasses: number },
): Promise<(WantedRun & { spec: ExperimentSpec; cfgOptions: string[] })[]> {
  const out: (WantedRun & { spec: ExperimentSpec; cfgOptions: string[] })[] = [];
  for (const spec of specs) {
    const { config } = await loadConfig(spec.config, {
      cwd: ctx.cwd,
      cfgOptions: spec.cfgOptions ?? [],
    });
    for (let seed = 0; seed < seedsFor(spec, o.seeds, o.pipelineSeeds ?? o.seeds); seed++) {
      const from = spec.startsFrom ? join(ctx.root, runFolderName(spec.startsFrom, seed)) : null;
      const cfgOptions = runCfgOptions(spec, seed, {
        budget: o.budget,
        ...(from ? { from: relative(ctx.cwd, from) } : {}),
        transfers: config.transfers.length,
        numClasses: ctx.numClasses,
        evalOverrides: ctx.evalOverrides,
      });
      const loaded = await loadConfig(spec.config, { cwd: ctx.cwd, cfgOptions });
      out.push({
        spec,
        cfgOptions,
        name: spec.name,
        seed,
        folder: runFolderName(spec.name, seed),
        configHash: configHash(loaded.config, ctx.cwd),
      });
    }
  }
  return out;
}

/** A finished run's transfer matrices from its `crat_transfer_<branch>.json` files. */
function transferMatrices(workDir: string): RunRecord['transfer'] {
  const out: RunRecord['transfer'] = {};
  for (const branch of ['bbox', 'mask'] as const) {
    const file = join(workDir, `crat_transfer_${branch}.json`);
    if (existsSync(file)) out[branch] = validateTransferReport(readJson(file), file).matrix;
  }
  return out;
}

function header(
  records: readonly RunRecord[],
  o: ExperimentsOptions,
  e: { images: number; total: number; split: 'val' | 'minival' },
): ReportHeader {
  const days = records.map((r) => r.finishedAt.slice(0, 10)).sort();
  const first = days[0] ?? new Date().toISOString().slice(0, 10);
  const last = days.at(-1) ?? first;
  const versions = new Map<string, CodeVersion>(
    records.map((r) => [describeCodeVersion(r.code), r.code]),
  );
  return {
    dates: first === last ? first : `${first} to ${last}`,
    machines: [...new Set(records.map((r) => r.machine))],
    codeVersions: [...versions.keys()],
    budget: o.budget,
    split: e.split,
    evalImages: e.images,
    evalTotal: e.total,
    runSeconds: records.reduce((a, r) => a + r.seconds, 0),
    runs: records.length,
  };
}

/** `crat bench experiments` / `crat bench select`: train what is missing, write the document. */
export async function runExperiments(o: ExperimentsOptions): Promise<string> {
  const cwd = o.cwd ?? process.cwd();
  const log = o.log ?? ((m: string) => console.log(m));
  const kind = o.kind ?? 'experiments';
  const split = kind === 'select' ? 'minival' : 'val';
  const root = resolve(cwd, o.workDir ?? `work_dirs/bench_${kind}`);
  const allSpecs = o.specs ?? (kind === 'select' ? selectionSpecs() : experimentSpecs());
  const specs = filterSpecs(allSpecs, o.only, o.rows);
  if (specs.length === 0) throw new Error(`--only ${o.only?.join(' ')}: no row matches`);
  const base = (await loadConfig(specs[0]!.config, { cwd })).config;
  await ensureDataset(base.dataset, { cwd, log, needsMinival: split === 'minival' });
  const evalSplit = base.dataset[split];
  if (!evalSplit) throw new Error(`${specs[0]!.config}: dataset.${split} is not set`);

  // The evaluation subset, shared by every run; a relative path keeps the config hash movable.
  mkdirSync(root, { recursive: true });
  const evalJson = readJson<LvisJson>(resolve(cwd, evalSplit.annFile));
  const total = evalJson.images.length;
  const images = Math.min(o.valImages ?? total, total);
  const evalOverrides = [`evaluation.split=${split}`];
  if (images < total) {
    const subset = join(root, `${split}_first_${images}.json`);
    await writeJsonAtomic(subset, lvisSubset(evalJson, images));
    evalOverrides.push(`dataset.${split}.annFile=${relative(cwd, subset)}`);
  }
  const train = readJson<LvisJson>(resolve(cwd, base.dataset.train.annFile));
  const wanted = trainingOrder(
    await planRuns(specs, o, { cwd, root, evalOverrides, numClasses: train.categories.length }),
    specs,
  );
  const code = codeVersionAt(cwd);
  const plan = planResume(wanted, readRunRecords(root), {
    resume: o.resume ?? false,
    code,
    allowMixedCommits: o.allowMixedCommits ?? false,
    root,
  });
  log(
    `${wanted.length} runs planned in ${root}: ${plan.reuse.length} finished (reused), ${plan.todo.length} to train; code ${describeCodeVersion(code)}`,
  );
  if (o.dryRun) {
    for (const w of plan.todo) log(`would train ${w.name}, seed ${w.seed} (${w.folder})`);
    return '';
  }
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'cpu'}), ${o.backend ?? 'wasm'}`;
  const t0 = performance.now();
  const finished = new Set(plan.reuse.map((r) => r.folder));
  let trainedSeconds = 0;
  for (const [k, w] of plan.todo.entries()) {
    const run = wanted.find((x) => x.folder === w.folder)!;
    if (run.spec.startsFrom && !finished.has(runFolderName(run.spec.startsFrom, run.seed))) {
      throw new BenchResumeError(
        `'${run.name}' seed ${run.seed} starts from '${run.spec.startsFrom}' seed ${run.seed}, which has not finished in ${root}`,
      );
    }
    const eta =
      k > 0 ? ` · eta ${formatDuration((trainedSeconds / k) * (plan.todo.length - k))}` : '';
    log(
      `[${k + 1}/${plan.todo.length}] ${run.name}, seed ${run.seed} (${run.spec.config}) · elapsed ${formatDuration((performance.now() - t0) / 1000)}${eta}`,
    );
    const started = performance.now();
    const workDir = join(root, run.folder);
    const outcome = await trainFromConfig({
      config: run.spec.config,
      cfgOptions: run.cfgOptions,
      workDir,
      // A folder without a record holds at most a run that was killed: it is replaced.
      overwrite: true,
      cwd,
      log: () => {},
      progress: o.progress ?? process.stdout,
      backend: o.backend ?? 'wasm',
      ...(o.detector ? { detector: o.detector } : {}),
    });
    if (outcome.result.status !== 'completed') {
      log(`stopped during '${run.name}' seed ${run.seed}: rerun with --resume to continue`);
      break;
    }
    const seconds = (performance.now() - started) / 1000;
    trainedSeconds += seconds;
    const ev = outcome.eval ?? {};
    const pick = (type: 'bbox' | 'segm') =>
      Object.fromEntries(
        RECORDED_METRICS.map((m) => [m, ev[type]?.metrics[m] ?? -1]),
      ) as RunMetrics;
    const perClass = (type: 'bbox' | 'segm') =>
      (ev[type] as LVISEvalReport | undefined)?.per_category_ap ?? {};
    const record: RunRecord = {
      format: 1,
      name: run.name,
      seed: run.seed,
      group: run.spec.group,
      split,
      folder: run.folder,
      configFile: run.spec.config,
      cfgOptions: run.cfgOptions,
      configHash: run.configHash,
      code,
      machine,
      finishedAt: new Date().toISOString(),
      seconds,
      bbox: pick('bbox'),
      segm: pick('segm'),
      perClassAp: { bbox: perClass('bbox'), segm: perClass('segm') },
      transfer: transferMatrices(workDir),
    };
    await writeRunRecord(root, record);
    finished.add(run.folder);
    log(
      `  box AP ${(100 * record.bbox.AP).toFixed(1)} · mask AP ${(100 * record.segm.AP).toFixed(1)} · ${seconds.toFixed(0)} s`,
    );
  }

  // The document shows every finished run of the plan's rows, this sitting's or an earlier one's.
  const names = new Set(allSpecs.map((s) => s.name));
  const records = readRunRecords(root).filter((r) => names.has(r.name) && r.split === split);
  const h = header(records, o, { images, total, split });
  let md: string;
  if (kind === 'select') md = formatSelectionReport(h, records, allSpecs);
  else {
    const classes = base.dataset.synth
      ? readSynthClasses(join(resolve(cwd, base.dataset.synth.outDir), 'synth_meta.json'))
      : null;
    const counts = new Map(train.categories.map((c) => [c.id, c.instance_count ?? 0]));
    const pairRuns = (name: string) => records.filter((r) => r.name === name);
    const rows =
      classes && pairRuns(PIPELINE_BASE).length && pairRuns(PIPELINE_CRAT).length
        ? perClassRows(classes, counts, pairRuns(PIPELINE_BASE), pairRuns(PIPELINE_CRAT))
        : [];
    md = formatExperimentsReport(h, records, allSpecs, rows);
  }
  mkdirSync(dirname(resolve(cwd, o.out)), { recursive: true });
  await writeFileAtomic(resolve(cwd, o.out), md);
  if (o.readme) {
    const file = resolve(cwd, o.readme);
    await writeFileAtomic(
      file,
      replaceMarkedSection(readFileSync(file, 'utf8'), readmeSection(kind), md, file),
    );
  }
  return md;
}
