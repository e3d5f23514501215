// The training progress bar: redrawn on a TTY, complete plain lines every `interval` steps
// elsewhere (CI, log files).

/** Where progress goes: a TTY gets a redrawn bar, anything else periodic plain lines. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Optimizer steps in the whole run. */
  total: number;
  /** Steps already done (a resumed run starts there). */
  start?: number;
  /** Plain lines are printed every `interval` steps when the stream is not a TTY. */
  interval?: number;
  stream?: ProgressStream;
  /** Clock in milliseconds (injectable for tests). */
  now?: () => number;
  /** Minimum milliseconds between two redraws of the bar on a TTY. */
  redrawMs?: number;
  /** What is counted, first word of the plain lines (default `iter`). */
  unit?: string;
}

export interface ProgressUpdate {
  /** Steps done after this update (1-based). */
  iter: number;
  epoch?: number;
  lr?: number;
  /** Loss terms to show, by name. */
  losses?: Record<string, number>;
}

/**
 * A training progress bar: `[#####.....] 45% 450/1000 · 2.31 it/s · eta 3:58 · lr 2.0e-2 · loss 1.234 ...`.
 * Hand-written (rather than cli-progress) because what matters here is the non-TTY mode:
 * in CI and in log files it prints one complete plain line every `interval` steps with
 * every loss term, and never a carriage return.
 */
export class ProgressReporter {
  readonly #stream: ProgressStream;
  readonly #tty: boolean;
  readonly #now: () => number;
  readonly #interval: number;
  readonly #redrawMs: number;
  readonly #total: number;
  readonly #unit: string;
  readonly #start: number;
  readonly #t0: number;
  #lastDraw = Number.NEGATIVE_INFINITY;
  #lastLine = '';
  #drawn = false;

  constructor(o: ProgressOptions) {
    this.#stream = o.stream ?? process.stdout;
    this.#tty = this.#stream.isTTY === true;
    this.#now = o.now ?? (() => performance.now());
    this.#interval = Math.max(1, o.interval ?? 50);
    this.#redrawMs = o.redrawMs ?? 100;
    this.#total = o.total;
    this.#unit = o.unit ?? 'iter';
    this.#start = o.start ?? 0;
    this.#t0 = this.#now();
  }

  update(u: ProgressUpdate): void {
    const t = this.#now();
    const last = u.iter >= this.#total;
    if (this.#tty) {
      if (!last && t - this.#lastDraw < this.#redrawMs) return;
      this.#lastDraw = t;
      const width = this.#stream.columns ?? 120;
      this.#lastLine = this.#bar(u, t, width);
      this.#stream.write(`\r\x1b[2K${this.#lastLine}`);
      this.#drawn = true;
    } else if (u.iter % this.#interval === 0 || last) {
      this.#stream.write(`${this.#plain(u, t)}\n`);
    }
  }

  /** Print a message without garbling the bar. */
  log(message: string): void {
    if (this.#tty && this.#drawn) this.#stream.write(`\r\x1b[2K${message}\n${this.#lastLine}`);
    else this.#stream.write(`${message}\n`);
  }

  /** End the bar's line. */
  finish(): void {
    if (this.#tty && this.#drawn) this.#stream.write('\n');
    this.#drawn = false;
  }

  #stats(u: ProgressUpdate, t: number): { rate: number; eta: number } {
    const done = u.iter - this.#start;
    const seconds = (t - this.#t0) / 1000;
    const rate = done > 0 && seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 ? (this.#total - u.iter) / rate : Number.NaN;
    return { rate, eta };
  }

  #fields(u: ProgressUpdate, t: number): string[] {
    const { rate, eta } = this.#stats(u, t);
    const f = [`${formatRate(rate)}`, `eta ${formatDuration(eta)}`];
    if (u.epoch !== undefined) f.push(`epoch ${u.epoch}`);
    if (u.lr !== undefined) f.push(`lr ${u.lr.toExponential(2)}`);
    for (const [k, v] of Object.entries(u.losses ?? {})) f.push(`${k} ${formatLoss(v)}`);
    return f;
  }

  #bar(u: ProgressUpdate, t: number, width: number): string {
    const frac = Math.min(1, u.iter / this.#total);
    const head = `${String(Math.floor(frac * 100)).padStart(3)}% ${u.iter}/${this.#total}`;
    const tail = this.#fields(u, t).join(' · ');
    const barWidth = Math.max(10, Math.min(30, width - head.length - 4 - 40));
    const filled = Math.round(frac * barWidth);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${head} · ${tail}`;
    return line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line;
  }

  #plain(u: ProgressUpdate, t: number): string {
    const pct = ((100 * u.iter) / this.#total).toFixed(1);
    return [`${this.#unit} ${u.iter}/${this.#total} (${pct}%)`, ...this.#fields(u, t)].join(' · ');
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${m}:${ss}`;
}

function formatRate(rate: number): string {
  if (rate === 0) return '-- it/s';
  return rate >= 1 ? `${rate.toFixed(2)} it/s` : `${(1 / rate).toFixed(2)} s/it`;
}

function formatLoss(v: number): string {
  return Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2);
}
