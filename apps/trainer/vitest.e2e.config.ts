import { defineConfig } from 'vitest/config';

// Checks that need a browser: `pnpm --filter @crat/trainer e2e` (Debian: apt-get install chromium).
export default defineConfig({
  test: { include: ['e2e/**/*.e2e.ts'], testTimeout: 120_000 },
});
