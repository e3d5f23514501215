/**
 * Frozen copies of the generators `Rng` replaced (as they stood on main at 032a5bc), kept
 * only so the tests can prove the one generator draws exactly the streams they drew.
 */

/** `@crat/core` `createRandom` before `Rng`: Mulberry32 on a signed 32-bit counter. */
export function frozenCoreRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `@crat/detector` `Rng` (src/rng.ts): Mulberry32 on an unsigned counter, Box-Muller, partial Fisher-Yates. */
export class FrozenDetectorRng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  get state(): number {
    return this.#state;
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  choose(items: ArrayLike<number>, k: number): number[] {
    const a = Array.from(items);
    const n = a.length;
    const m = Math.min(k, n);
    for (let i = 0; i < m; i++) {
      const j = i + Math.floor(this.next() * (n - i));
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a.slice(0, m);
  }
}

/** The trainer's `deriveSeed` (apps/trainer/src/train/rng.ts): FNV-1a over the NUL-joined parts. */
export function frozenTrainerDeriveSeed(seed: number, ...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  const text = [seed, ...parts].join('\u0000');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
