// EQLv2's options, their reference defaults (tztztztztz/eqlv2), and their validation.

/** EQLv2 hyper-parameters, with the reference defaults (tztztztztz/eqlv2). */
export interface EQLv2Options {
  /** Steepness of the pos/neg gradient-ratio → negative-weight mapping. */
  gamma: number;
  /** Pos/neg ratio at which a class's negative weight is one half. */
  mu: number;
  /** How much positive weight grows as the negative weight shrinks. */
  alpha: number;
  /** Multiplier of the loss (and of its gradient). */
  lossWeight: number;
  /** Inference: multiply the class probabilities by the objectness `1 - p(background)`. */
  testWithObj: boolean;
}

export const EQLV2_DEFAULTS: EQLv2Options = {
  gamma: 12,
  mu: 0.8,
  alpha: 4,
  lossWeight: 1,
  testWithObj: true,
};

/** Check option values; the registry already rejects unknown keys. */
export function validateEQLv2Options(o: EQLv2Options): EQLv2Options {
  for (const key of ['gamma', 'mu', 'alpha', 'lossWeight'] as const) {
    if (typeof o[key] !== 'number' || !Number.isFinite(o[key])) {
      throw new TypeError(`eqlv2: option '${key}' must be a finite number, got ${String(o[key])}`);
    }
  }
  if (typeof o.testWithObj !== 'boolean') {
    throw new TypeError(
      `eqlv2: option 'testWithObj' must be a boolean, got ${String(o.testWithObj)}`,
    );
  }
  return o;
}
