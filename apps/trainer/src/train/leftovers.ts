// What a killed run leaves in its work dir (a half-written checkpoint folder, temporary files
// of atomic writes, a checkpoint moved aside while being replaced), tidied on the next start.

import { existsSync, readdirSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** `.iter_NNNNNN.<pid>.tmp` (being written) and `.iter_NNNNNN.<pid>.old` (being replaced). */
const CHECKPOINT_TEMP = /^\.(iter_\d+)\.(\d+)\.(tmp|old)$/;
/** `@crat/core`'s writeFileAtomic: `<name>.<pid>.<counter>.tmp`. */
const ATOMIC_TEMP = /^.+\.(\d+)\.\d+\.tmp$/;

/** Whether `pid` may still be writing: a live process other than this one. */
function writerAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the leftovers of killed runs from `workDir` (its root, `checkpoints/` and `eval/`)
 * and put back a complete checkpoint that was moved aside to be replaced when its
 * replacement never arrived. Files of a process still running are left alone. Returns what
 * was done, one line per entry.
 */
export async function tidyLeftovers(workDir: string): Promise<string[]> {
  const done: string[] = [];
  const ckptDir = join(workDir, 'checkpoints');
  if (existsSync(ckptDir)) {
    for (const name of readdirSync(ckptDir)) {
      const m = CHECKPOINT_TEMP.exec(name);
      if (!m || writerAlive(Number(m[2]))) continue;
      const path = join(ckptDir, name);
      const final = join(ckptDir, m[1]!);
      if (m[3] === 'old' && !existsSync(final)) {
        await rename(path, final);
        done.push(`restored ${final} (it was being replaced when the run was killed)`);
      } else {
        await rm(path, { recursive: true, force: true });
        done.push(`removed ${path}`);
      }
    }
  }
  for (const dir of [workDir, ckptDir, join(workDir, 'eval')]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const m = ATOMIC_TEMP.exec(name);
      if (!m || writerAlive(Number(m[1]))) continue;
      await rm(join(dir, name), { force: true });
      done.push(`removed ${join(dir, name)}`);
    }
  }
  return done;
}
