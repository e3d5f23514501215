import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  // import.meta.url (createRequire) in the CommonJS build
  shims: true,
  // tfjs-core's gradient definitions ship only as extensionless ESM files that Node
  // cannot import; bundling them registers every gradient into the process-wide
  // registry that the real tfjs-core instance reads (it lives on globalThis).
  noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
  // Optional, loaded on demand: never bundled (dawn.node is found beside the webgpu package).
  external: ['webgpu', '@tensorflow/tfjs-backend-webgpu'],
});
