// The central directory of a zip archive (zip64 included), and each entry's bytes read straight from the source.

import { inflateSync } from 'fflate';
import { TruncatedError } from '../pickle/byte-reader.js';
import type { ByteSource } from './byte-source.js';

export interface ZipEntry {
  name: string;
  /** 0 STORED (what torch writes, padded so data start 64-byte aligned), 8 DEFLATE. */
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

class Fields {
  readonly #view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u16(at: number): number {
    return this.#view.getUint16(at, true);
  }
  u32(at: number): number {
    return this.#view.getUint32(at, true);
  }
  u64(at: number): number {
    return this.#view.getUint32(at + 4, true) * 2 ** 32 + this.#view.getUint32(at, true);
  }
}

/** End of central directory: entry count, directory offset and size (zip64 when they overflow). */
function findDirectory(source: ByteSource): { count: number; offset: number; size: number } {
  const tailLength = Math.min(source.size, 22 + 0xffff);
  const tailStart = source.size - tailLength;
  const tail = new Fields(source.read(tailStart, tailLength, 'end of the zip directory'));
  let at = tailLength - 22;
  while (at >= 0 && tail.u32(at) !== EOCD) at--;
  if (at < 0) throw new Error('no end-of-directory record: not a zip archive, or truncated');
  let count = tail.u16(at + 10);
  let size = tail.u32(at + 12);
  let offset = tail.u32(at + 16);
  if ((count === 0xffff || size === 0xffffffff || offset === 0xffffffff) && at >= 20) {
    if (tail.u32(at - 20) === ZIP64_LOCATOR) {
      const z = new Fields(source.read(tail.u64(at - 20 + 8), 56, 'zip64 end-of-directory record'));
      if (z.u32(0) !== ZIP64_EOCD) throw new Error('bad zip64 end-of-directory record');
      count = z.u64(32);
      size = z.u64(40);
      offset = z.u64(48);
    }
  }
  return { count, offset, size };
}

/** Entries of the archive by name, from its central directory. */
export function readZipDirectory(source: ByteSource): Map<string, ZipEntry> {
  const dir = findDirectory(source);
  const cd = new Fields(source.read(dir.offset, dir.size, 'zip central directory'));
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder();
  let at = 0;
  for (let i = 0; i < dir.count; i++) {
    if (at + 46 > cd.bytes.length || cd.u32(at) !== CENTRAL) {
      throw new Error(`central directory entry ${i} is corrupt`);
    }
    if (cd.u16(at + 8) & 1) throw new Error('encrypted zip entries are not supported');
    const nameLength = cd.u16(at + 28);
    const extraLength = cd.u16(at + 30);
    const commentLength = cd.u16(at + 32);
    const name = decoder.decode(cd.bytes.subarray(at + 46, at + 46 + nameLength));
    let size = cd.u32(at + 24);
    let compressedSize = cd.u32(at + 20);
    let localHeaderOffset = cd.u32(at + 42);
    // A zip64 extra field holds, in this order, whichever of the three overflowed.
    let e = at + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = cd.u16(e);
      const len = cd.u16(e + 2);
      if (id === 0x0001) {
        let f = e + 4;
        if (size === 0xffffffff) {
          size = cd.u64(f);
          f += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = cd.u64(f);
          f += 8;
        }
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = cd.u64(f);
      }
      e += 4 + len;
    }
    entries.set(name, { name, method: cd.u16(at + 10), compressedSize, size, localHeaderOffset });
    at = extraEnd + commentLength;
  }
  return entries;
}

/** The uncompressed bytes of `entry` (aligned to 8; see `ByteSource.read`). */
export function readZipEntry(source: ByteSource, entry: ZipEntry): Uint8Array {
  const local = new Fields(
    source.read(entry.localHeaderOffset, 30, `local header of ${entry.name}`),
  );
  if (local.u32(0) !== LOCAL) throw new Error(`local header of ${entry.name} is corrupt`);
  const dataOffset = entry.localHeaderOffset + 30 + local.u16(26) + local.u16(28);
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw new Error('a STORED entry whose sizes differ');
    return source.read(dataOffset, entry.size, entry.name);
  }
  if (entry.method === 8) {
    // DEFLATE cannot exceed about 1032:1: a larger claim is corrupt (or a zip bomb), refused before allocating.
    if (entry.size > entry.compressedSize * 1032 + 1024) {
      throw new Error(
        `claims ${entry.size} bytes from ${entry.compressedSize} compressed: corrupt`,
      );
    }
    const packed = source.read(dataOffset, entry.compressedSize, entry.name);
    const out = inflateSync(packed, { out: new Uint8Array(entry.size) });
    if (out.length !== entry.size) {
      throw new TruncatedError(`inflates to ${out.length} bytes, the directory says ${entry.size}`);
    }
    return out;
  }
  throw new Error(`compression method ${entry.method} is not supported (only STORED and DEFLATE)`);
}
