// The one vitest config of every package's `test:webgpu` task: its webgpu suites (Dawn over the
// machine's Vulkan: lavapipe in CI), which the package's main `test` excludes.
import { defineConfig, type UserConfig } from 'vitest/config';

export function webgpuSuitesConfig(base: UserConfig): UserConfig {
  return defineConfig({
    ...base,
    test: {
      ...base.test,
      include: ['test/webgpu/**/*.test.ts'],
      exclude: ['**/node_modules/**'],
      // One Dawn device at a time: lavapipe already uses every core.
      fileParallelism: false,
    },
  });
}
