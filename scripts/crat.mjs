#!/usr/bin/env node
// `pnpm crat ...`: build the trainer and what it depends on (cached by turbo, quiet unless
// it fails), then run the CLI with the given arguments.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync(
  'pnpm',
  ['exec', 'turbo', 'run', 'build', '--filter=@crat/trainer...', '--output-logs=errors-only'],
  { cwd: root, encoding: 'utf8', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } },
);
if (build.status !== 0) {
  process.stderr.write(build.stdout ?? '');
  process.stderr.write(build.stderr ?? '');
  console.error('crat: building the trainer failed (see above)');
  process.exit(build.status ?? 1);
}
// The terminal's Ctrl-C reaches the CLI directly (same process group); this wrapper waits
// for it to save its checkpoint and exit rather than dying first.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
const child = spawn(
  process.execPath,
  [join(root, 'apps/trainer/dist/cli.js'), ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
