// The training report as one self-contained HTML page (no network, no library): loss curves,
// AP per frequency group and per class, and the CRAT transfer matrix with its top samples.

import { join } from 'node:path';
import { writeFileAtomic } from '@crat/core';
import type { LVISEvalReport } from 'lvis-ts-types';
import { LVIS_METRIC_NAMES } from 'lvis-ts-types';
import { cropWithBox, matrixPng, pngDataUri } from './crops.js';
import { type ReadReportOptions, type ReportInputs, readReportInputs } from './inputs.js';
import {
  barChart,
  escapeXml,
  FREQUENCY_COLORS,
  heatColor,
  heatmap,
  lineChart,
  type ScatterPoint,
  type Series,
  scatterLogX,
} from './svg.js';
import type { TransferReport } from './transfer-report.js';

export interface RenderReportOptions {
  /** Tail classes shown with transfused samples (rare first, then common). */
  maxTailClasses?: number;
  /** Samples shown per tail class. */
  samplesPerClass?: number;
  /** Loss curves are averaged down to at most this many points per series. */
  maxCurvePoints?: number;
}

const CSS = `
[hidden]{display:none!important}
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1320px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}.meta{color:#666}.grid{display:flex;flex-wrap:wrap;gap:12px}
svg{background:#fff;border:1px solid #eee}svg .tick{font-size:10px;fill:#444}svg .label{font-size:11px;fill:#222}svg .title{font-size:13px;font-weight:600;fill:#222}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f6f6f6}td:first-child,th:first-child{text-align:left}
.crops{display:flex;flex-wrap:wrap;gap:8px}.crop{font-size:11px;text-align:center;width:140px}.crop img{display:block;margin:0 auto 2px;border:1px solid #ccc;image-rendering:pixelated}
.freq-r{color:${FREQUENCY_COLORS.r}}.freq-c{color:${FREQUENCY_COLORS.c}}.freq-f{color:${FREQUENCY_COLORS.f}}.note{color:#777;font-size:12px}
`;

// A few lines of script: switch loss curves between raw and smoothed. No network, no library.
const SCRIPT = `
document.querySelectorAll('[data-toggle]').forEach(function(b){b.addEventListener('click',function(){
var id=b.getAttribute('data-toggle');document.querySelectorAll('.'+id).forEach(function(e){e.hidden=!e.hidden;});
b.textContent=b.textContent.indexOf('raw')>=0?'show smoothed':'show raw';});});
`;

/** Render the HTML page for a work dir's inputs. */
export async function renderReport(
  inputs: ReportInputs,
  o: RenderReportOptions = {},
): Promise<string> {
  const sections = [
    lossSection(inputs, o.maxCurvePoints ?? 600),
    evalSection(inputs),
    perClassSection(inputs),
    await transferSection(inputs, o),
  ];
  const train = inputs.metrics.filter((m) => m.mode === 'train');
  const last = train.at(-1);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>CRAT-TS report: ${escapeXml(inputs.workDir)}</title><style>${CSS}</style></head>
<body>
<h1>CRAT-TS training report</h1>
<div class="meta">work dir <code>${escapeXml(inputs.workDir)}</code>${inputs.configFile ? ` · config <code>${escapeXml(inputs.configFile)}</code>` : ''}${last ? ` · ${last.iter} steps, epoch ${last.epoch}` : ''} · ${inputs.categories.length} classes</div>
${sections.join('\n')}
<script>${SCRIPT}</script>
</body></html>
`;
}

/** Read a work dir, render its report and write it atomically (default `<workDir>/report.html`). */
export async function writeReport(
  workDir: string,
  o: RenderReportOptions & ReadReportOptions & { out?: string } = {},
): Promise<string> {
  const html = await renderReport(readReportInputs(workDir, o), o);
  const out = o.out ?? join(workDir, 'report.html');
  await writeFileAtomic(out, html);
  return out;
}

function lossSection(inputs: ReportInputs, maxPoints: number): string {
  const train = inputs.metrics.filter((m) => m.mode === 'train');
  if (train.length === 0)
    return '<h2>Training</h2><p class="note">no metrics.jsonl in the work dir</p>';
  const keys = [...new Set(train.flatMap((r) => Object.keys(r)))].filter((k) =>
    k.startsWith('loss'),
  );
  const raw = (k: string): [number, number][] =>
    train.filter((r) => typeof r[k] === 'number').map((r) => [r.iter, r[k] as number]);
  const total: Series[] = [{ name: 'loss', points: downsample(raw('loss'), maxPoints) }];
  const terms: Series[] = keys
    .filter((k) => k !== 'loss')
    .map((k) => ({ name: k, points: downsample(raw(k), maxPoints) }));
  const smooth = (s: Series[]) =>
    s.map((x) => ({
      ...x,
      points: movingAverage(x.points, Math.max(1, Math.round(x.points.length / 50))),
    }));
  const lr = lineChart([{ name: 'lr', points: downsample(raw('lr'), maxPoints), color: '#555' }], {
    title: 'learning rate',
    xLabel: 'step',
    yLabel: 'lr',
  });
  const chart = (s: Series[], title: string, logY: boolean) =>
    lineChart(s, { title, xLabel: 'step', yLabel: 'loss', logY });
  const val = inputs.metrics.filter((m) => m.mode === 'val');
  // the headline numbers only; -1 (undefined in LVIS) is left out
  const headline = [
    'bbox_AP',
    'bbox_APr',
    'bbox_APc',
    'bbox_APf',
    'segm_AP',
    'segm_APr',
    'segm_APc',
    'segm_APf',
  ];
  const valKeys = headline.filter((k) =>
    val.some((r) => typeof r[k] === 'number' && (r[k] as number) >= 0),
  );
  const valChart = valKeys.length
    ? lineChart(
        valKeys.map((k) => ({
          name: k,
          points: val
            .filter((r) => typeof r[k] === 'number' && (r[k] as number) >= 0)
            .map((r) => [r.iter, r[k] as number] as [number, number]),
        })),
        { title: 'evaluation during training', xLabel: 'step', yLabel: 'AP' },
      )
    : '';
  return `<h2>Training</h2>
<button data-toggle="rawloss">show raw</button>
<div class="grid rawloss" hidden>${chart(total, 'total loss (raw)', true)}${terms.length ? chart(terms, 'loss terms (raw)', true) : ''}</div>
<div class="grid rawloss">${chart(smooth(total), 'total loss', true)}${terms.length ? chart(smooth(terms), 'loss terms', true) : ''}</div>
<div class="grid">${lr}${valChart}</div>`;
}

function evalSection(inputs: ReportInputs): string {
  const last = inputs.evals.at(-1);
  if (!last || (!last.bbox && !last.segm))
    return '<h2>Evaluation</h2><p class="note">no evaluation in the work dir (eval/*.json)</p>';
  const types = (['bbox', 'segm'] as const).filter((t) => last[t]);
  const head = `<tr><th>metric</th>${types.map((t) => `<th>${t}</th>`).join('')}</tr>`;
  const rows = LVIS_METRIC_NAMES.map(
    (m) =>
      `<tr><td>${m}</td>${types.map((t) => `<td>${fmtAp(last[t]!.metrics[m])}</td>`).join('')}</tr>`,
  ).join('');
  const groups = types.map((t) => ({
    label: t,
    bars: (['AP', 'APr', 'APc', 'APf'] as const).map((k) => ({
      name: k,
      value: validAp(last[t]!.metrics[k]),
    })),
  }));
  return `<h2>Evaluation${last.iter !== undefined ? ` at step ${last.iter}` : ''}</h2>
<div class="grid"><table>${head}${rows}</table>${barChart(groups, { title: 'AP per frequency group', yLabel: 'AP' })}</div>`;
}

function perClassSection(inputs: ReportInputs): string {
  const last = inputs.evals.at(-1);
  if (!last || inputs.categories.length === 0) return '';
  const charts = (['bbox', 'segm'] as const)
    .filter((t) => last[t])
    .map((t) => {
      const ap = (last[t] as LVISEvalReport).per_category_ap;
      const pts: ScatterPoint[] = inputs.categories
        .filter((c) => typeof ap[String(c.id)] === 'number' && ap[String(c.id)]! >= 0)
        .map((c) => ({
          x: Math.max(1, c.trainCount),
          y: ap[String(c.id)]!,
          color: FREQUENCY_COLORS[c.frequency] ?? '#777',
          label: `${c.name} (${c.frequency}): AP ${ap[String(c.id)]!.toFixed(3)}, ${c.trainCount} training instances`,
        }));
      return scatterLogX(pts, {
        title: `${t}: per-class AP against training instances`,
        xLabel: 'training instances (log scale)',
        yLabel: 'AP',
        legend: [
          { name: 'rare', color: FREQUENCY_COLORS.r! },
          { name: 'common', color: FREQUENCY_COLORS.c! },
          { name: 'frequent', color: FREQUENCY_COLORS.f! },
        ],
      });
    });
  return `<h2>Per-class AP</h2><div class="grid">${charts.join('')}</div>`;
}

async function transferSection(inputs: ReportInputs, o: RenderReportOptions): Promise<string> {
  if (inputs.transfers.length === 0)
    return '<h2>CRAT transfers</h2><p class="note">no crat_transfer*.json in the work dir (a run without CRAT)</p>';
  const parts: string[] = ['<h2>CRAT transfers</h2>'];
  for (const t of inputs.transfers) {
    const raster =
      t.matrix.length > 80 ? pngDataUri(await matrixPng(t.matrix, heatColor)) : undefined;
    parts.push(
      `<h3>${escapeXml(t.branch ?? '')} branch</h3><div class="grid">${heatmap(
        t.matrix,
        t.classNames,
        {
          title: `transfer weight, source → target (${t.classNames.length} classes)`,
          ...(raster ? { rasterDataUri: raster } : {}),
        },
      )}</div>`,
    );
    parts.push(await samplesSection(inputs, t, o));
  }
  return parts.join('\n');
}

async function samplesSection(
  inputs: ReportInputs,
  t: TransferReport,
  o: RenderReportOptions,
): Promise<string> {
  const freq = (i: number) => inputs.categories[i]?.frequency ?? '?';
  const rank = (f: string) => ({ r: 0, c: 1, f: 2 })[f] ?? 3;
  const received = (i: number) => t.matrix.reduce((s, row) => s + (row[i] ?? 0), 0);
  const targets = Object.keys(t.topSamples)
    .map(Number)
    .filter(
      (i) =>
        (t.topSamples[String(i)] ?? []).length > 0 &&
        (inputs.categories.length === 0 || freq(i) !== 'f'),
    )
    .sort((a, b) => rank(freq(a)) - rank(freq(b)) || received(b) - received(a))
    .slice(0, o.maxTailClasses ?? 12);
  if (targets.length === 0)
    return '<p class="note">no transfused samples recorded for tail classes</p>';
  const blocks: string[] = [];
  for (const target of targets) {
    const samples = [...t.topSamples[String(target)]!]
      .sort((a, b) => b.weight - a.weight)
      .slice(0, o.samplesPerClass ?? 6);
    const cells: string[] = [];
    for (const s of samples) {
      const path = inputs.imagePath(s.imageId);
      const caption = `from <b>${escapeXml(t.classNames[s.sourceClass] ?? String(s.sourceClass))}</b><br>w ${s.weight.toFixed(3)} · image ${s.imageId}`;
      if (!path) {
        cells.push(
          `<div class="crop"><div class="note">image ${s.imageId} not found</div>${caption}</div>`,
        );
        continue;
      }
      try {
        const png = await cropWithBox(path, s.box);
        cells.push(
          `<div class="crop"><img alt="image ${s.imageId}" src="${pngDataUri(png)}">${caption}</div>`,
        );
      } catch (err) {
        cells.push(
          `<div class="crop"><div class="note">${escapeXml((err as Error).message)}</div>${caption}</div>`,
        );
      }
    }
    const f = freq(target);
    blocks.push(
      `<h3><span class="freq-${escapeXml(f)}">[${escapeXml(f)}]</span> ${escapeXml(t.classNames[target] ?? String(target))} <span class="note">(${inputs.categories[target]?.trainCount ?? '?'} training instances) — top transfused samples</span></h3><div class="crops">${cells.join('')}</div>`,
    );
  }
  return blocks.join('\n');
}

function validAp(v: number | undefined): number | null {
  return typeof v === 'number' && v >= 0 ? v : null;
}

function fmtAp(v: number | undefined): string {
  const a = validAp(v);
  return a === null ? 'n/a' : a.toFixed(4);
}

/** Average consecutive points into at most `max` buckets. */
export function downsample(points: [number, number][], max: number): [number, number][] {
  if (points.length <= max) return points;
  const size = Math.ceil(points.length / max);
  const out: [number, number][] = [];
  for (let i = 0; i < points.length; i += size) {
    const chunk = points.slice(i, i + size);
    out.push([chunk.at(-1)![0], chunk.reduce((s, p) => s + p[1], 0) / chunk.length]);
  }
  return out;
}

/** Trailing moving average over `window` points. */
export function movingAverage(points: [number, number][], window: number): [number, number][] {
  let sum = 0;
  return points.map(([x, y], i) => {
    sum += y;
    if (i >= window) sum -= points[i - window]![1];
    return [x, sum / Math.min(i + 1, window)];
  });
}
