import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// CRAT on the webgpu backend (Dawn over the machine's Vulkan: lavapipe in CI), run by
// `test:webgpu`; the main `test` excludes these suites.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/webgpu/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    // One Dawn device at a time: lavapipe already uses every core.
    fileParallelism: false,
  },
});
