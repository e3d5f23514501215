import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The generator runs its render workers from the compiled dist/render-worker.js.
    globalSetup: ['./test/build-worker.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
