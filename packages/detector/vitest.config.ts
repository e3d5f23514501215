import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Let Vite transform tfjs-core's extensionless ESM gradient files (Node cannot load them).
    server: { deps: { inline: [/@tensorflow\/tfjs-core\/dist\//] } },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
