// Public API of @crat/trainer.

export * from './bench/experiments.js';
export * from './bench/experiments-table.js';
export * from './config/index.js';
export { collectInfo, formatInfo, type MachineInfo } from './info.js';
export { buildProgram } from './program.js';
export * from './report/index.js';
export * from './run/index.js';
export * from './train/index.js';
export { VERSION } from './version.js';
