#!/usr/bin/env node
// `pnpm --filter @crat/lvis bench`: LVIS evaluation time and memory against the official
// LVIS API in the same run, on the shared workload (make-lvis-bench.mjs: 2,000 images,
// ~620k detections), and the time to stream a generated annotation file of over 1 GB.
// Every measurement is its own process (wall time from spawn to exit; peak RSS of that
// process alone). Temporary files are deleted.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBigAnnotationFile } from './big-annotation-file.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoShared = resolve(here, '../../../../shared');
const makeBench = join(repoShared, 'bench/make-lvis-bench.mjs');
const fixtures = process.env.CRAT_FIXTURES_DIR ?? join(repoShared, 'fixtures');
const replicas = process.env.LVIS_BENCH_REPLICAS ?? '20';
const repeats = Number(process.env.LVIS_BENCH_REPEATS ?? 3);
const bigTargetBytes = Number(process.env.LVIS_BENCH_BIG_BYTES ?? 1.1e9);
const types = (process.env.LVIS_BENCH_TYPES ?? 'bbox,segm').split(',');
const officialPath = process.env.CRAT_LVIS_API_PATH;
const python = process.env.CRAT_LVIS_PYTHON ?? 'python3';
const crat = resolve(here, '../../../apps/trainer/dist/cli.js');
const peakRssPreload = join(here, 'report-peak-rss.cjs');

const OFFICIAL_SETUP = `The official LVIS API is not set up, so there is no same-run ratio. To set it up
(outside this repository; nothing of it is committed):
  apt-get install cython3 python3-dev python3-numpy
  # check out the public repositories cocodataset/cocoapi and lvis-dataset/lvis-api here, then
  (cd cocoapi/PythonAPI && python3 setup.py build_ext --inplace)
  # lvis-api/lvis/__init__.py imports the visualiser (needs OpenCV): delete the line
  # 'from lvis.vis import LVISVis' and "LVISVis" from __all__
  export CRAT_LVIS_API_PATH=$PWD/lvis-api:$PWD/cocoapi/PythonAPI
(CRAT_LVIS_PYTHON names the interpreter, default python3.)`;

const dir = mkdtempSync(join(tmpdir(), 'crat-lvis-bench-'));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const mb = (x) => `${x.toFixed(0)} MB`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Run a command to completion; wall seconds from spawn to exit and its stdout. */
function timed(cmd, args, env = process.env) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  }
  return { wall, stdout: r.stdout, stderr: r.stderr };
}

const lastJsonLine = (text) => JSON.parse(text.trim().split('\n').pop());

function officialAvailable() {
  if (!officialPath) return false;
  const r = spawnSync(python, ['-c', 'import lvis, pycocotools.mask'], {
    env: { ...process.env, PYTHONPATH: officialPath },
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    console.log(`CRAT_LVIS_API_PATH=${officialPath} does not import lvis and pycocotools:`);
    console.log(r.stderr.trim());
    return false;
  }
  return true;
}

function runOfficial(gt, res, type) {
  const env = { ...process.env, PYTHONPATH: officialPath };
  const r = timed(python, [join(here, 'official-eval.py'), gt, res, type], env);
  return { wall: r.wall, ...lastJsonLine(r.stdout) };
}

function runLibrary(gt, res, type) {
  const r = timed(process.execPath, [join(here, 'eval-child.mjs'), gt, res, type]);
  return { wall: r.wall, ...lastJsonLine(r.stdout) };
}

/** `crat eval` as a user runs it; its peak RSS comes from a preloaded exit hook. */
function runCli(gt, res, type) {
  const out = join(dir, `crat-${type}.json`);
  const r = timed(process.execPath, [
    '--require',
    peakRssPreload,
    crat,
    'eval',
    '--gt',
    gt,
    '--results',
    res,
    '--type',
    type,
    '--json',
    out,
  ]);
  const peak = /peak RSS (\d+(?:\.\d+)?) MB/.exec(r.stderr);
  return {
    wall: r.wall,
    peakRssMb: peak ? Number(peak[1]) : Number.NaN,
    report: JSON.parse(readFileSync(out, 'utf8')),
  };
}

/** Largest difference between two reports' metrics and per-category APs. */
function largestDifference(a, b) {
  let worst = 0;
  for (const k of Object.keys(a.metrics))
    worst = Math.max(worst, Math.abs(a.metrics[k] - b.metrics[k]));
  const ka = Object.keys(a.per_category_ap).sort();
  const kb = Object.keys(b.per_category_ap).sort();
  if (ka.join() !== kb.join()) return Number.POSITIVE_INFINITY;
  for (const k of ka)
    worst = Math.max(worst, Math.abs(a.per_category_ap[k] - b.per_category_ap[k]));
  return worst;
}

/** Write a >1 GB annotation file and time loading it (streaming path) in a child process. */
async function timeBigLoad() {
  const big = join(dir, 'big.json');
  process.stderr.write('  generating a >1 GB annotation file...\n');
  const n = await writeBigAnnotationFile(
    join(fixtures, 'lvis/lvis_val_100.json'),
    big,
    bigTargetBytes,
  );
  const bytes = statSync(big).size;
  // The loaded objects take ~2 GB of heap; a larger young generation saves GC time.
  for (const flags of [
    ['--max-old-space-size=8192'],
    ['--max-old-space-size=8192', '--max-semi-space-size=64'],
  ]) {
    process.stderr.write(`  loading it (node ${flags.join(' ')})...\n`);
    const r = timed(process.execPath, [...flags, join(here, 'eval-child.mjs'), '--load-only', big]);
    const l = lastJsonLine(r.stdout);
    console.log(
      `streaming load (node ${flags.join(' ')}): ${(bytes / 1e9).toFixed(2)} GB (${n} replicas, ${l.images} images, ${l.annotations} annotations) in ${l.seconds.toFixed(1)} s (${(bytes / 1e6 / l.seconds).toFixed(0)} MB/s), peak RSS ${(l.peakRssMb / 1024).toFixed(2)} GB`,
    );
  }
}

try {
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}; ${new Date().toISOString()}; load average ${load()}`,
  );
  execFileSync(process.execPath, [makeBench, replicas, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  console.log(`workload: node make-lvis-bench.mjs ${replicas} (in ${dir})`);
  const gt = join(dir, 'gt.json');
  const res = join(dir, 'results.json');
  const withOfficial = officialAvailable();
  if (!withOfficial) console.log(OFFICIAL_SETUP);
  const withCli = existsSync(crat);
  if (!withCli) console.log(`(${crat} is not built: \`crat eval\` is left out)`);
  for (const type of types) {
    let official;
    if (withOfficial) {
      process.stderr.write(`  official LVIS API, ${type}...\n`);
      official = runOfficial(gt, res, type);
      console.log(
        `${type}: official lvis-api ${official.wall.toFixed(1)} s wall (${official.seconds.toFixed(1)} s after imports), peak RSS ${mb(official.peakRssMb)}; load average ${load()}`,
      );
    }
    const rows = [['@crat/lvis (load + evaluateAsync + summarize)', runLibrary]];
    if (withCli) rows.push(['crat eval', runCli]);
    for (const [label, run] of rows) {
      const runs = [];
      for (let k = 0; k < repeats; k++) {
        process.stderr.write(`  ${label}, ${type} (run ${k + 1}/${repeats})...\n`);
        runs.push(run(gt, res, type));
      }
      const walls = runs.map((r) => r.wall);
      const med = median(walls);
      const best = runs[walls.indexOf(Math.min(...walls))];
      const peak = Math.max(...runs.map((r) => r.peakRssMb));
      const phases =
        best.loadGt === undefined
          ? ''
          : ` (phases of the best: load gt ${best.loadGt.toFixed(2)}, results ${best.loadResults.toFixed(2)}, evaluate ${best.evaluate.toFixed(2)})`;
      let line = `${type}: ${label} median ${med.toFixed(2)} s, best ${best.wall.toFixed(2)} s wall of ${repeats}${phases}, peak RSS ${mb(peak)}`;
      if (official) {
        const diff = Math.max(...runs.map((r) => largestDifference(r.report, official)));
        line += `; official / median ${(official.wall / med).toFixed(1)}x, peak RSS ${(official.peakRssMb / peak).toFixed(1)}x less; largest metric or per-category AP difference ${diff.toExponential(1)}`;
      }
      console.log(`${line}; load average ${load()}`);
    }
  }
  if (process.env.LVIS_BENCH_SKIP_BIG !== '1') await timeBigLoad();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
