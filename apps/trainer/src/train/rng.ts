import type { PluginState, Stateful } from '@crat/core';

/**
 * Seeded PRNG (sfc32) whose whole state is four 32-bit words, so it can sit in a checkpoint
 * and a resumed run draws the same numbers. TF.js has no global seed: everything random in
 * a run (initialisation, RoI sampling, augmentation) draws from one of these.
 */
export class SeededRng implements Stateful {
  #s = new Uint32Array(4);

  constructor(seed: number) {
    this.reseed(seed);
  }

  reseed(seed: number): void {
    // splitmix32 expands one seed into four well-mixed words.
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.#s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const s = this.#s;
    const t = (((s[0]! + s[1]!) >>> 0) + s[3]!) >>> 0;
    s[3] = (s[3]! + 1) >>> 0;
    s[0] = s[1]! ^ (s[1]! >>> 9);
    s[1] = (s[2]! + (s[2]! << 3)) >>> 0;
    s[2] = ((s[2]! << 21) | (s[2]! >>> 11)) >>> 0;
    s[2] = (s[2]! + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  getState(): PluginState {
    return { sfc32: Array.from(this.#s) };
  }

  setState(state: PluginState): void {
    const words = state.sfc32;
    if (!Array.isArray(words) || words.length !== 4 || words.some((w) => typeof w !== 'number')) {
      throw new TypeError('SeededRng state: expected { sfc32: [4 numbers] }');
    }
    this.#s.set(words as number[]);
  }
}

/**
 * A 32-bit seed for one named use of the run's seed (`deriveSeed(seed, 'sampler')`), so
 * components draw independent streams and adding one does not shift the others.
 */
export function deriveSeed(seed: number, ...parts: (string | number)[]): number {
  // FNV-1a over the seed and the parts.
  let h = 0x811c9dc5;
  const text = [seed, ...parts].join('\u0000');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
