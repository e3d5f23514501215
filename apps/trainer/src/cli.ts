#!/usr/bin/env node
// The `crat` executable: runs the command tree, turns any error into one line and exit code 1,
// and releases the backend (a WebGPU device keeps the process alive) when the command is done.
import { teardownBackend } from '@crat/tensor';
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    console.error(`crat: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  })
  .finally(teardownBackend);
