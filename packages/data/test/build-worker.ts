import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** Compile the worker entry so tests run the decode threads on the current sources. */
export default function setup(): void {
  execFileSync('pnpm', ['exec', 'tsup', 'src/decode-worker.ts', '--format', 'esm', '--silent'], {
    cwd: resolve(__dirname, '..'),
    stdio: 'inherit',
  });
}
