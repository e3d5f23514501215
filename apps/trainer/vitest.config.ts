import { defineConfig } from 'vitest/config';

// `pnpm test` runs test/ only; e2e/ (headless Chromium) runs with `pnpm e2e`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Its tests train, evaluate and write files for real (0.5-3 s each alone); on a loaded
    // 2-core machine vitest's 5 s default failed one that was merely slow.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
