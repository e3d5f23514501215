// Seesaw's options, their reference defaults (mmdetection `SeesawLoss`), and their validation.

/** Seesaw hyper-parameters, with the reference defaults (mmdetection `SeesawLoss`). */
export interface SeesawOptions {
  /** Mitigation exponent: how strongly a frequent class's negatives on rarer classes are damped. */
  p: number;
  /** Compensation exponent: how strongly misclassified negatives are amplified. */
  q: number;
  /** Floor of the true class's probability in the compensation ratio. */
  eps: number;
  /** Multiplier of both loss terms (and their gradients). */
  lossWeight: number;
}

export const SEESAW_DEFAULTS: SeesawOptions = { p: 0.8, q: 2, eps: 1e-2, lossWeight: 1 };

/** Check option values; the registry already rejects unknown keys. */
export function validateSeesawOptions(o: SeesawOptions): SeesawOptions {
  for (const key of ['p', 'q', 'eps', 'lossWeight'] as const) {
    if (typeof o[key] !== 'number' || !Number.isFinite(o[key])) {
      throw new TypeError(`seesaw: option '${key}' must be a finite number, got ${String(o[key])}`);
    }
  }
  if (o.p < 0 || o.q < 0) throw new RangeError(`seesaw: options 'p' and 'q' must be >= 0`);
  if (!(o.eps > 0)) throw new RangeError(`seesaw: option 'eps' must be > 0, got ${o.eps}`);
  return o;
}
