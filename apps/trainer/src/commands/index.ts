// The list of `crat` sub-commands, each added to the program by its own module's function.

import type { Command } from 'commander';
import { registerBench } from './bench.js';
import { registerConvert } from './convert.js';
import { registerEval } from './eval.js';
import { registerInfo } from './info.js';
import { registerReport } from './report.js';
import { registerSynth } from './synth.js';
import { registerTest } from './test.js';
import { registerTrain } from './train.js';

/** Every `crat` sub-command, one module each; add a command by adding its register function here. */
export const COMMANDS: ((program: Command) => void)[] = [
  registerInfo,
  registerSynth,
  registerEval,
  registerReport,
  registerTrain,
  registerTest,
  registerConvert,
  registerBench,
];
