// Checksums of a checkpoint's files: recorded in its meta.json when it is written, checked
// before anything is read back, so a damaged file is named instead of resumed into NaNs.

import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';

/** What meta.json records for each file of a checkpoint. */
export interface FileDigest {
  sha256: string;
  bytes: number;
}

export type FileDigests = Record<string, FileDigest>;

/** A checkpoint file that is missing or whose bytes differ from the digest recorded for it. */
export class CheckpointIntegrityError extends Error {
  override name = 'CheckpointIntegrityError';

  constructor(
    /** The damaged or missing file. */
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** SHA-256 and size of a file, read as a stream (weights files run to hundreds of MB). */
export async function fileDigest(path: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Digests of `names` inside `dir`, as written to disk (read back, not taken from memory). */
export async function digestFiles(dir: string, names: readonly string[]): Promise<FileDigests> {
  const out: FileDigests = {};
  for (const n of names) out[n] = await fileDigest(join(dir, n));
  return out;
}

/**
 * Check `names` (default: every file recorded) of the checkpoint `dir` against the digests
 * in its meta.json. Returns `false` when the checkpoint records none (written before
 * checksums existed), so the caller can say it is unverified; throws
 * {@link CheckpointIntegrityError} naming the first damaged or missing file.
 */
export async function verifyDigests(
  dir: string,
  recorded: unknown,
  names?: readonly string[],
): Promise<boolean> {
  if (recorded === undefined) return false;
  const files = recorded as FileDigests;
  for (const n of names ?? Object.keys(files)) {
    const path = join(dir, n);
    const want = files[n];
    if (!want || typeof want.sha256 !== 'string') {
      throw new CheckpointIntegrityError(path, `no checksum recorded in ${join(dir, 'meta.json')}`);
    }
    if (!existsSync(path)) throw new CheckpointIntegrityError(path, 'missing');
    const got = await fileDigest(path);
    if (got.bytes !== want.bytes || got.sha256 !== want.sha256) {
      throw new CheckpointIntegrityError(
        path,
        `damaged: ${got.bytes} bytes with sha256 ${got.sha256.slice(0, 12)}…, but the checkpoint recorded ${want.bytes} bytes with sha256 ${want.sha256.slice(0, 12)}…`,
      );
    }
  }
  return true;
}
