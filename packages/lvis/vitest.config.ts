import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Fixture evaluations take a second alone but several under `pnpm test`, where turbo
  // runs every package's suite at once on a 2-core machine.
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/built-worker.ts'],
  },
});
