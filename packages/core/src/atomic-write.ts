// The one atomic file write (Node only): the bytes go to a temporary file in the same folder,
// are flushed and renamed over the target, so no reader ever sees half a file; on a failure the
// temporary file is removed.

import { type FileHandle, open, rename, rm } from 'node:fs/promises';

/** A failed atomic write; `path` is the target, `code` the file-system error code (e.g. ENOENT) when there was one. */
export class AtomicWriteError extends Error {
  override name = 'AtomicWriteError';
  readonly code: string | undefined;

  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`cannot write ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.code = (cause as { code?: unknown })?.code as string | undefined;
  }
}

// Unique within the process; the pid keeps two processes writing one target apart.
let tempCounter = 0;

/** Write `data` (text as UTF-8, or bytes) to `path` atomically. The folder must exist. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${tempCounter++}.tmp`;
  let handle: FileHandle | undefined;
  try {
    handle = await open(tmp, 'w');
    await handle.writeFile(data);
    // Flushed before the rename: otherwise a crash could leave the new name on empty blocks.
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new AtomicWriteError(path, err);
  }
}

/**
 * Write `value` as JSON plus a newline, atomically. `indent` is `JSON.stringify`'s space
 * argument (none: one line), so each file keeps the layout its readers and diffs expect.
 */
export async function writeJsonAtomic(
  path: string,
  value: unknown,
  indent?: number,
): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, indent)}\n`);
}
