#!/usr/bin/env node
// The `crat` executable: runs the command tree, and turns any error into one line and exit code 1.
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    console.error(`crat: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
