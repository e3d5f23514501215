#!/usr/bin/env node
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    console.error(`crat: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
