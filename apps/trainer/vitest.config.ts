import { defineConfig } from 'vitest/config';

// `pnpm test` runs test/ only; e2e/ (headless Chromium) runs with `pnpm e2e`.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'] },
});
