// Random access to a checkpoint's bytes, in memory or on disk, handing out 8-byte-aligned ranges so typed arrays can sit on them.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { TruncatedError } from '../pickle/byte-reader.js';

/** A checkpoint's bytes: its size and aligned reads of any range. */
export interface ByteSource {
  readonly size: number;
  /**
   * `length` bytes at `offset`, with a byte offset that is a multiple of 8. From memory this is
   * a view where the range happens to be aligned (else a copy); from a file, always a new
   * buffer filled straight from the file (one copy, as torch.load makes).
   */
  read(offset: number, length: number, what: string): Uint8Array;
  /** Whether `read` may return views of memory that the caller owns (and must not be written). */
  readonly sharesMemory: boolean;
  close(): void;
}

function checkRange(size: number, offset: number, length: number, what: string): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new TruncatedError(`${what}: bad range ${offset} + ${length}`);
  }
  if (offset + length > size) {
    throw new TruncatedError(
      `truncated: ${what} needs ${length} byte(s) at byte ${offset}, the file has ${size}`,
    );
  }
}

/** Bytes already in memory. A Node Buffer is read as a plain Uint8Array (its slice() is no copy). */
export function memorySource(input: Uint8Array): ByteSource {
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  return {
    size: bytes.length,
    sharesMemory: true,
    read(offset, length, what) {
      checkRange(bytes.length, offset, length, what);
      const view = bytes.subarray(offset, offset + length);
      return view.byteOffset % 8 === 0 ? view : view.slice();
    },
    close() {},
  };
}

/** A file read on demand: only the records a checkpoint needs are read, each once. */
export function fileSource(path: string): ByteSource {
  const fd = openSync(path, 'r');
  let size: number;
  try {
    size = fstatSync(fd).size;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return {
    size,
    sharesMemory: false,
    read(offset, length, what) {
      checkRange(size, offset, length, what);
      // Not zero-filled (the read overwrites it) and never pooled, so it starts at byte 0 of its own buffer.
      const slow = Buffer.allocUnsafeSlow(length);
      const out = new Uint8Array(slow.buffer, slow.byteOffset, length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, length - done, offset + done);
        if (n === 0) throw new TruncatedError(`truncated: ${what}: the file ended while reading`);
        done += n;
      }
      return out;
    },
    close() {
      closeSync(fd);
    },
  };
}
