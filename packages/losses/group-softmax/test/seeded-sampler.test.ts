import { describe, expect, it } from 'vitest';
import { SeededOthersSampler } from '../src/index.js';

/** The generator `SeededOthersSampler` had before it drew from `@crat/core`'s `Rng` (main at 032a5bc). */
class FrozenOthersSampler {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  get state(): number {
    return this.#state;
  }

  #next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  sample(others: Int32Array, count: number): Int32Array {
    const pool = Int32Array.from(others);
    for (let k = 0; k < count; k++) {
      const j = k + Math.floor(this.#next() * (pool.length - k));
      const t = pool[k];
      pool[k] = pool[j];
      pool[j] = t;
    }
    return pool.subarray(0, count);
  }
}

describe('SeededOthersSampler on the core Rng', () => {
  it('draws the same "others" rows, in the same order, as its old generator', () => {
    for (const seed of [0, 1, 7, 0xffffffff, 2 ** 32 + 3]) {
      const now = new SeededOthersSampler(seed);
      const old = new FrozenOthersSampler(seed);
      for (let call = 0; call < 3_000; call++) {
        const n = 1 + ((call * 37) % 500);
        const others = Int32Array.from({ length: n }, (_, i) => 2 * i + (call % 3));
        const count = (call * 11) % n; // the loss always asks for fewer than it has
        expect(Array.from(now.sample(others, count, call % 4))).toEqual(
          Array.from(old.sample(others, count)),
        );
      }
      expect(now.state).toBe(old.state);
    }
  });

  it('resumes from its state exactly', () => {
    const a = new SeededOthersSampler(11);
    const others = Int32Array.from({ length: 64 }, (_, i) => i);
    a.sample(others, 20, 0);
    const b = new SeededOthersSampler(0);
    b.state = a.state;
    expect(Array.from(b.sample(others, 30, 0))).toEqual(Array.from(a.sample(others, 30, 0)));
  });
});
