import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Let Vite transform tfjs-core's extensionless ESM gradient files (Node cannot load them).
    server: { deps: { inline: [/@tensorflow\/tfjs-core\/dist\//] } },
    // The webgpu suites run in their own task (`test:webgpu`, vitest.webgpu.config.ts).
    exclude: ['**/node_modules/**', 'test/webgpu/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
