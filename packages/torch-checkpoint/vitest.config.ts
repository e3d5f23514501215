import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The fixture checkpoints are 25-50 MB each; reading them is quick alone but slower
  // under `pnpm test`, where turbo runs two packages' suites at once on a 2-core machine.
  test: { testTimeout: 60_000, hookTimeout: 60_000 },
});
