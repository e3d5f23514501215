// Public API of @crat/trainer.

export * from './bench/code-version.js';
export * from './bench/experiment-specs.js';
export * from './bench/experiments.js';
export * from './bench/experiments-report.js';
export * from './bench/experiments-table.js';
export * from './bench/paired-stats.js';
export * from './bench/per-class.js';
export * from './bench/run-records.js';
export * from './config/index.js';
export { collectInfo, formatInfo, type MachineInfo } from './info.js';
export { buildProgram } from './program.js';
export * from './report/index.js';
export * from './run/index.js';
export * from './train/index.js';
export { VERSION } from './version.js';
