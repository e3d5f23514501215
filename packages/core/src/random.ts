// The project's one seeded generator (Mulberry32: its state is one 32-bit word a checkpoint
// carries) and the seeds derived from a run's seed per use, by name or per epoch and index, so
// no stream depends on what ran before it.

import type { PluginState, Stateful } from './state.js';

/** A uniform [0, 1) generator, as the samplers, the data pipeline and the synthetic set take it. */
export type Random = () => number;

/** A seeded Mulberry32 generator; `state` (or `getState`) checkpoints it, setting it resumes exactly. */
export class Rng implements Stateful {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The whole generator state, a uint32. */
  get state(): number {
    return this.#state;
  }

  set state(value: number) {
    this.#state = value >>> 0;
  }

  /** Uniform in [0, 1): a multiple of 2^-32. */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller, one draw of the pair; `1 - u` keeps the log finite). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** The first `k` entries of a uniform random permutation of `items` (torch.randperm(n)[:k]). */
  choose(items: ArrayLike<number>, k: number): number[] {
    const a = Array.from(items);
    const n = a.length;
    const m = Math.min(k, n);
    // Partial Fisher-Yates: only the first m positions are drawn, so m draws, not n.
    for (let i = 0; i < m; i++) {
      const j = i + Math.floor(this.next() * (n - i));
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a.slice(0, m);
  }

  /** This generator as a plain `Random` function (draws advance this generator). */
  asRandom(): Random {
    return () => this.next();
  }

  getState(): PluginState {
    return { mulberry32: this.#state };
  }

  setState(state: PluginState): void {
    const s = state.mulberry32;
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s > 0xffffffff) {
      throw new TypeError(
        `Rng state: field 'mulberry32' must be a uint32 integer, got ${JSON.stringify(s)}`,
      );
    }
    this.#state = s;
  }
}

/** A `Random` function over a fresh `Rng(seed)`: the same stream as `new Rng(seed).next()`. */
export function createRandom(seed: number): Random {
  return new Rng(seed).asRandom();
}

/**
 * A 32-bit seed for one named use of a run's seed (`deriveSeed(seed, 'sampler')`), so each
 * component draws its own stream and adding one does not shift the others. FNV-1a over
 * the seed and the names joined by NUL: the values the trainer's run seeds have always had.
 */
export function deriveSeed(seed: number, ...names: (string | number)[]): number {
  let h = 0x811c9dc5;
  const text = [seed, ...names].join('\u0000');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Mix integers into one 32-bit seed (MurmurHash3 finaliser per word): the per-(seed, epoch,
 * index) streams of the samplers and the data pipeline, where hashing a string per item
 * would cost more than the draw.
 */
export function mixSeed(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    let k = Math.imul(w | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    // Seeds may exceed 32 bits (e.g. Date-derived): fold the high part in too.
    const high = Math.floor(w / 0x100000000);
    if (high !== 0) h ^= Math.imul(high | 0, 0x85ebca6b);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform integer in [0, n). */
export function randomInt(random: Random, n: number): number {
  return Math.floor(random() * n);
}

/** Fisher-Yates shuffle in place. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(
  values: T,
  random: Random,
): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    const tmp = values[i];
    values[i] = values[j];
    values[j] = tmp;
  }
  return values;
}

/** Uniform in [lo, hi). */
export function uniform(random: Random, lo: number, hi: number): number {
  return lo + (hi - lo) * random();
}
