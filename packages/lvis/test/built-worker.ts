// Vitest global setup: the thread tests run the compiled worker script (dist/), so build
// the package first when any source file is newer than that script.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function newestSource(): number {
  const dir = join(root, 'src');
  return Math.max(...readdirSync(dir).map((f) => statSync(join(dir, f)).mtimeMs));
}

export default function setup(): void {
  let built = 0;
  try {
    built = statSync(join(root, 'dist/lvis-worker.js')).mtimeMs;
  } catch {
    // not built yet
  }
  if (built < newestSource()) {
    execFileSync('pnpm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  }
}
