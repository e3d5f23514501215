// Small SVG chart builders for the report: pure functions from data to markup, no
// library and no network, so the page is one self-contained file.

export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A categorical palette that stays readable on white. */
export const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];
export const FREQUENCY_COLORS: Record<string, string> = {
  r: '#d62728',
  c: '#ff7f0e',
  f: '#1f77b4',
};

const fmt = (v: number) => {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000 || a < 0.01) return v.toExponential(1);
  return Number(v.toPrecision(3)).toString();
};

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

const FRAME: Frame = { width: 640, height: 320, left: 56, right: 16, top: 28, bottom: 44 };

function axes(
  f: Frame,
  x: { ticks: number[]; pos: (v: number) => number; label: string; format?: (v: number) => string },
  y: { ticks: number[]; pos: (v: number) => number; label: string; format?: (v: number) => string },
  title: string,
): string {
  const parts: string[] = [];
  const x0 = f.left;
  const x1 = f.width - f.right;
  const y0 = f.height - f.bottom;
  const y1 = f.top;
  for (const t of y.ticks) {
    const py = y.pos(t);
    parts.push(`<line x1="${x0}" y1="${py}" x2="${x1}" y2="${py}" stroke="#e5e5e5"/>`);
    parts.push(
      `<text x="${x0 - 6}" y="${py + 4}" text-anchor="end" class="tick">${(y.format ?? fmt)(t)}</text>`,
    );
  }
  for (const t of x.ticks) {
    const px = x.pos(t);
    parts.push(`<line x1="${px}" y1="${y0}" x2="${px}" y2="${y0 + 4}" stroke="#555"/>`);
    parts.push(
      `<text x="${px}" y="${y0 + 16}" text-anchor="middle" class="tick">${(x.format ?? fmt)(t)}</text>`,
    );
  }
  parts.push(`<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}" stroke="#555"/>`);
  parts.push(`<line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}" stroke="#555"/>`);
  parts.push(
    `<text x="${(x0 + x1) / 2}" y="${f.height - 6}" text-anchor="middle" class="label">${escapeXml(x.label)}</text>`,
  );
  parts.push(
    `<text x="14" y="${(y0 + y1) / 2}" text-anchor="middle" class="label" transform="rotate(-90 14 ${(y0 + y1) / 2})">${escapeXml(y.label)}</text>`,
  );
  parts.push(`<text x="${x0}" y="16" class="title">${escapeXml(title)}</text>`);
  return parts.join('');
}

function legend(f: Frame, items: { name: string; color: string }[], outside = false): string {
  return items
    .map((it, i) => {
      const x = outside ? f.width - f.right + 12 : f.width - f.right - 150;
      const y = f.top + 4 + i * 16;
      return `<rect x="${x}" y="${y}" width="10" height="10" fill="${it.color}"/><text x="${x + 14}" y="${y + 9}" class="tick">${escapeXml(it.name)}</text>`;
    })
    .join('');
}

export interface Series {
  name: string;
  points: [number, number][];
  color?: string;
}

/** Line chart of one or more series sharing the axes. */
export function lineChart(
  series: Series[],
  o: { title: string; xLabel: string; yLabel: string; logY?: boolean },
): string {
  const f = FRAME;
  const all = series
    .flatMap((s) => s.points)
    .filter(([, y]) => Number.isFinite(y) && (!o.logY || y > 0));
  if (all.length === 0) return emptyChart(o.title, 'no data');
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => (o.logY ? Math.log10(p[1]) : p[1]));
  const [xlo, xhi] = [Math.min(...xs), Math.max(...xs)];
  let [ylo, yhi] = [Math.min(...ys), Math.max(...ys)];
  if (!o.logY) ylo = Math.min(0, ylo);
  if (yhi === ylo) yhi = ylo + 1;
  const px = (v: number) => f.left + ((v - xlo) / (xhi - xlo || 1)) * (f.width - f.left - f.right);
  const py = (v: number) =>
    f.height - f.bottom - ((v - ylo) / (yhi - ylo)) * (f.height - f.top - f.bottom);
  const yTicks = o.logY ? logTicks(ylo, yhi) : niceTicks(ylo, yhi);
  const paths = series.map((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const d = s.points
      .filter(([, y]) => Number.isFinite(y) && (!o.logY || y > 0))
      .map(
        ([x, y], k) =>
          `${k ? 'L' : 'M'}${px(x).toFixed(1)},${py(o.logY ? Math.log10(y) : y).toFixed(1)}`,
      )
      .join('');
    const pts = s.points.filter(([, y]) => Number.isFinite(y) && (!o.logY || y > 0));
    // few points (evaluations): draw them, a single one has no line
    const dots =
      pts.length <= 30
        ? pts
            .map(
              ([x, y]) =>
                `<circle cx="${px(x).toFixed(1)}" cy="${py(o.logY ? Math.log10(y) : y).toFixed(1)}" r="3" fill="${color}"><title>${escapeXml(`${s.name} @ ${x}: ${y.toPrecision(4)}`)}</title></circle>`,
            )
            .join('')
        : '';
    return `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"><title>${escapeXml(s.name)}</title></path>${dots}`;
  });
  const body = axes(
    f,
    { ticks: niceTicks(xlo, xhi), pos: px, label: o.xLabel },
    {
      ticks: yTicks.length ? yTicks : [ylo],
      pos: (t) => py(t),
      label: o.yLabel + (o.logY ? ' (log scale)' : ''),
      ...(o.logY ? { format: (t: number) => fmt(10 ** t) } : {}),
    },
    o.title,
  );
  const leg = legend(
    f,
    series.map((s, i) => ({ name: s.name, color: s.color ?? PALETTE[i % PALETTE.length]! })),
  );
  return svg(f, body + paths.join('') + leg, o.title);
}

export interface BarGroup {
  label: string;
  bars: { name: string; value: number | null }[];
}

/** Grouped bar chart (e.g. AP, APr, APc, APf for bbox and segm). */
export function barChart(
  groups: BarGroup[],
  o: { title: string; yLabel: string; yMax?: number },
): string {
  const f: Frame = { ...FRAME, right: 90 };
  const values = groups.flatMap((g) => g.bars.map((b) => b.value ?? 0));
  if (groups.length === 0) return emptyChart(o.title, 'no data');
  const yhi = o.yMax ?? Math.max(1e-9, ...values);
  const plotW = f.width - f.left - f.right;
  const groupW = plotW / groups.length;
  const names = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const barW = (groupW * 0.8) / names.length;
  const py = (v: number) => f.height - f.bottom - (v / yhi) * (f.height - f.top - f.bottom);
  const rects: string[] = [];
  groups.forEach((g, gi) => {
    g.bars.forEach((b) => {
      const k = names.indexOf(b.name);
      const x = f.left + gi * groupW + groupW * 0.1 + k * barW;
      const color = PALETTE[k % PALETTE.length]!;
      if (b.value === null) {
        rects.push(
          `<text x="${x + barW / 2}" y="${py(0) - 4}" text-anchor="middle" class="tick">n/a</text>`,
        );
        return;
      }
      const y = py(b.value);
      rects.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(py(0) - y).toFixed(1)}" fill="${color}"><title>${escapeXml(`${g.label} ${b.name}: ${b.value.toFixed(4)}`)}</title></rect>`,
        `<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(y - 3).toFixed(1)}" text-anchor="middle" class="tick">${b.value.toFixed(3)}</text>`,
      );
    });
  });
  const body = axes(
    f,
    {
      ticks: groups.map((_, i) => i),
      pos: (i) => f.left + (i + 0.5) * groupW,
      label: '',
      format: (i) => escapeXml(groups[i]!.label),
    },
    { ticks: niceTicks(0, yhi), pos: py, label: o.yLabel },
    o.title,
  );
  return svg(
    f,
    body +
      rects.join('') +
      legend(
        f,
        names.map((n, i) => ({ name: n, color: PALETTE[i % PALETTE.length]! })),
        true,
      ),
    o.title,
  );
}

export interface ScatterPoint {
  x: number;
  y: number;
  color: string;
  label: string;
}

/** Scatter plot with a log10 x axis (per-class AP against training instances). */
export function scatterLogX(
  points: ScatterPoint[],
  o: { title: string; xLabel: string; yLabel: string; legend?: { name: string; color: string }[] },
): string {
  const f = FRAME;
  const pts = points.filter((p) => p.x > 0 && Number.isFinite(p.y));
  if (pts.length === 0) return emptyChart(o.title, 'no data');
  const lx = pts.map((p) => Math.log10(p.x));
  const xlo = Math.floor(Math.min(...lx));
  const xhi = Math.max(xlo + 1, Math.ceil(Math.max(...lx)));
  const yhi = Math.max(1e-9, ...pts.map((p) => p.y));
  const px = (v: number) => f.left + ((v - xlo) / (xhi - xlo)) * (f.width - f.left - f.right);
  const py = (v: number) => f.height - f.bottom - (v / yhi) * (f.height - f.top - f.bottom);
  const dots = pts.map(
    (p) =>
      `<circle cx="${px(Math.log10(p.x)).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="4" fill="${p.color}" fill-opacity="0.75"><title>${escapeXml(p.label)}</title></circle>`,
  );
  const xTicks = Array.from({ length: xhi - xlo + 1 }, (_, i) => xlo + i);
  const body = axes(
    f,
    { ticks: xTicks, pos: px, label: o.xLabel, format: (t) => (10 ** t).toLocaleString('en-US') },
    { ticks: niceTicks(0, yhi), pos: py, label: o.yLabel },
    o.title,
  );
  return svg(f, body + dots.join('') + legend(f, o.legend ?? []), o.title);
}

/** Tick positions (log10 values) at 1, 2 and 5 times powers of ten within [lo, hi]; decades only when many. */
export function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  const mults = hi - lo > 3 ? [1] : [1, 2, 5];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    for (const m of mults) {
      const t = e + Math.log10(m);
      if (t >= lo - 1e-9 && t <= hi + 1e-9) ticks.push(t);
    }
  }
  return ticks;
}

/** Viridis-like colour for t in [0, 1]. */
export function heatColor(t: number): [number, number, number] {
  const stops: [number, number, number][] = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const u = x - i;
  const [a, b] = [stops[i]!, stops[i + 1]!];
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * u)) as [number, number, number];
}

/**
 * Heat map of a square matrix (row = source class, column = target class). Cells carry a
 * tooltip; colour is `sqrt(value / max)`, so the few strong transfers do not wash out the rest.
 * Past `maxCells` classes the cells become one embedded raster image (`rasterDataUri`).
 */
export function heatmap(
  matrix: number[][],
  labels: string[],
  o: { title: string; rasterDataUri?: string; cellLimit?: number },
): string {
  const n = matrix.length;
  if (n === 0) return emptyChart(o.title, 'no data');
  const max = Math.max(1e-30, ...matrix.flat());
  const showLabels = n <= 60;
  const margin = showLabels ? 130 : 40;
  const size = Math.min(720, Math.max(240, n * 14));
  const cell = size / n;
  const parts: string[] = [];
  if (o.rasterDataUri && n > (o.cellLimit ?? 80)) {
    parts.push(
      `<image x="${margin}" y="${margin}" width="${size}" height="${size}" preserveAspectRatio="none" style="image-rendering:pixelated" href="${o.rasterDataUri}"/>`,
    );
  } else {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const v = matrix[i]![j]!;
        const [r, g, b] = heatColor(Math.sqrt(v / max));
        parts.push(
          `<rect x="${(margin + j * cell).toFixed(2)}" y="${(margin + i * cell).toFixed(2)}" width="${cell.toFixed(2)}" height="${cell.toFixed(2)}" fill="rgb(${r},${g},${b})"><title>${escapeXml(`${labels[i] ?? i} → ${labels[j] ?? j}: ${v.toPrecision(3)}`)}</title></rect>`,
        );
      }
    }
  }
  if (showLabels) {
    labels.forEach((l, i) => {
      const c = margin + (i + 0.5) * cell;
      parts.push(
        `<text x="${margin - 4}" y="${c + 3}" text-anchor="end" class="tick">${escapeXml(l)}</text>`,
      );
      parts.push(
        `<text x="${c + 3}" y="${margin - 4}" class="tick" transform="rotate(-60 ${c + 3} ${margin - 4})">${escapeXml(l)}</text>`,
      );
    });
  }
  parts.push(
    `<text x="${margin}" y="${margin + size + 18}" class="label">target class (receives) →</text>`,
  );
  parts.push(
    `<text x="12" y="${margin + size / 2}" class="label" transform="rotate(-90 12 ${margin + size / 2})">source class (gives) →</text>`,
  );
  // colour bar
  const barX = margin + size + 16;
  for (let k = 0; k < 20; k++) {
    const [r, g, b] = heatColor(1 - k / 19);
    parts.push(
      `<rect x="${barX}" y="${margin + (k * size) / 20}" width="12" height="${size / 20 + 0.5}" fill="rgb(${r},${g},${b})"/>`,
    );
  }
  parts.push(`<text x="${barX + 16}" y="${margin + 8}" class="tick">${fmt(max)}</text>`);
  parts.push(`<text x="${barX + 16}" y="${margin + size}" class="tick">0</text>`);
  parts.push(`<text x="${margin}" y="16" class="title">${escapeXml(o.title)}</text>`);
  const frame = { width: barX + 80, height: margin + size + 30 } as Frame;
  return svg(frame, parts.join(''), o.title);
}

function svg(f: Pick<Frame, 'width' | 'height'>, body: string, title: string): string {
  return `<svg viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img" aria-label="${escapeXml(title)}">${body}</svg>`;
}

function emptyChart(title: string, message: string): string {
  return svg(
    { width: FRAME.width, height: 80 },
    `<text x="${FRAME.left}" y="16" class="title">${escapeXml(title)}</text><text x="${FRAME.left}" y="48" class="tick">${escapeXml(message)}</text>`,
    title,
  );
}
