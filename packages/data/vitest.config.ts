import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The loader runs its decode workers from the compiled dist/decode-worker.js.
    globalSetup: ['./test/build-worker.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
