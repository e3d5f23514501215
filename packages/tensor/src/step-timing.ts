// Timing of one repeated tensor step for the packages' benchmarks: warm-up runs first (kernel
// compilation, first allocations), then timed runs, with the live tensor count required flat
// across them, so a benchmark that leaks fails instead of reporting a figure.

import * as tf from '@tensorflow/tfjs-core';

export interface StepTimes {
  medianMs: number;
  meanMs: number;
  minMs: number;
  runs: number;
}

export interface TimeStepsOptions {
  /** Timed runs (at least 1). */
  runs: number;
  /** Untimed runs before them; 3 by default. */
  warmup?: number;
  /** Named in the progress line and in the leak error. */
  label: string;
  /** Progress (`label: i/runs`) goes here; stderr by default (none outside Node), so stdout keeps the table. */
  progress?: (line: string) => void;
}

const toStderr = (line: string) => {
  if (typeof process !== 'undefined') process.stderr?.write(line);
};

/** Runs `step` `warmup` times, then `runs` times timed; throws if it leaves tensors behind. */
export async function timeSteps(
  step: () => Promise<void>,
  { runs, warmup = 3, label, progress = toStderr }: TimeStepsOptions,
): Promise<StepTimes> {
  if (!Number.isInteger(runs) || runs < 1) {
    throw new RangeError(`timeSteps(${label}): runs must be a positive integer, got ${runs}`);
  }
  for (let i = 0; i < warmup; i++) await step();
  const tensorsBefore = tf.memory().numTensors;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
    progress(`\r${label}: ${i + 1}/${runs}`);
  }
  progress('\n');
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (leaked !== 0) {
    throw new Error(`timeSteps(${label}): ${leaked} tensors left behind over ${runs} runs`);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    medianMs: sorted[Math.floor(sorted.length / 2)]!,
    meanMs: times.reduce((s, t) => s + t, 0) / times.length,
    minMs: sorted[0]!,
    runs,
  };
}
