// Test-only: hand-assembled pickles and checkpoint containers (zip, zip64, legacy) for hostile and corrupt inputs, and the error they raise.

import { zipSync } from 'fflate';
import { expect } from 'vitest';
import { TorchCheckpointError } from '../src/index.js';

const enc = new TextEncoder();

const u16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const u32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];

/** Pickle opcodes as byte lists, named as in Python's pickletools. */
export const op = {
  PROTO: (v: number) => [0x80, v],
  STOP: [0x2e],
  MARK: [0x28],
  NONE: [0x4e],
  NEWFALSE: [0x89],
  EMPTY_DICT: [0x7d],
  EMPTY_TUPLE: [0x29],
  TUPLE: [0x74],
  TUPLE1: [0x85],
  TUPLE2: [0x86],
  SETITEM: [0x73],
  SETITEMS: [0x75],
  REDUCE: [0x52],
  NEWOBJ: [0x81],
  BUILD: [0x62],
  BINPERSID: [0x51],
  STACK_GLOBAL: [0x93],
  EXT1: (code: number) => [0x82, code],
  BININT1: (v: number) => [0x4b, v],
  BININT2: (v: number) => [0x4d, ...u16(v)],
  BININT: (v: number) => [0x4a, ...u32(v)],
  GLOBAL: (module: string, name: string) => [0x63, ...enc.encode(`${module}\n${name}\n`)],
  INST: (module: string, name: string) => [0x69, ...enc.encode(`${module}\n${name}\n`)],
  OBJ: [0x6f],
  BINUNICODE: (s: string) => {
    const b = enc.encode(s);
    return [0x58, ...u32(b.length), ...b];
  },
  LONG1: (bytes: number[]) => [0x8a, bytes.length, ...bytes],
};

/** Concatenate opcode byte lists into a pickle. */
export function pickle(...parts: number[][]): Uint8Array {
  return Uint8Array.from(parts.flat());
}

/** `('storage', torch.<type>, key, 'cpu', numel)` pushed, then BINPERSID (the zip format's id). */
export function storagePid(type: string, key: string, numel: number): number[][] {
  return [
    op.MARK,
    op.BINUNICODE('storage'),
    op.GLOBAL('torch', type),
    op.BINUNICODE(key),
    op.BINUNICODE('cpu'),
    op.BININT(numel),
    op.TUPLE,
    op.BINPERSID,
  ];
}

/** `_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())` of a pushed storage. */
export function rebuildTensor(
  storage: number[][],
  offset: number,
  size: number[],
  stride: number[],
): number[][] {
  const tuple = (xs: number[]) => [op.MARK, ...xs.map((x) => op.BININT(x)), op.TUPLE];
  return [
    op.GLOBAL('torch._utils', '_rebuild_tensor_v2'),
    op.MARK,
    ...storage,
    op.BININT(offset),
    ...tuple(size),
    ...tuple(stride),
    op.NEWFALSE,
    op.GLOBAL('collections', 'OrderedDict'),
    op.EMPTY_TUPLE,
    op.REDUCE,
    op.TUPLE,
    op.REDUCE,
  ];
}

/** A zip checkpoint as torch lays it out: `archive/data.pkl` and `archive/data/<key>`. */
export function zipCheckpoint(
  dataPkl: Uint8Array,
  storages: Record<string, Uint8Array> = {},
): Uint8Array {
  const files: Record<string, Uint8Array> = { 'archive/data.pkl': dataPkl };
  for (const [key, bytes] of Object.entries(storages)) files[`archive/data/${key}`] = bytes;
  files['archive/version'] = enc.encode('3\n');
  return zipSync(files, { level: 0 });
}

/** The legacy format's three header pickles: magic number, protocol version 1001, sys info. */
export function legacyHeader(): number[] {
  const magic = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
  return [
    ...pickle(op.PROTO(2), op.LONG1(magic), op.STOP),
    ...pickle(op.PROTO(2), op.BININT2(1001), op.STOP),
    ...pickle(op.PROTO(2), op.EMPTY_DICT, op.STOP),
  ];
}

/** A legacy checkpoint: header, the object pickle, then an empty storage key list. */
export function legacyCheckpoint(objectPickle: Uint8Array): Uint8Array {
  const keys = pickle(op.PROTO(2), [0x5d], op.STOP);
  return Uint8Array.from([...legacyHeader(), ...objectPickle, ...keys]);
}

const u64 = (v: number) => [...u32(v % 2 ** 32), ...u32(Math.floor(v / 2 ** 32))];

/**
 * A STORED archive in zip64 form, as writers emit it past 4 GiB: every size and offset of the
 * central directory is 0xffffffff with the values in a zip64 extra field, and the end record
 * points to a zip64 end-of-directory record. (CRCs are left 0: the reader does not check them.)
 */
export function zip64Archive(files: Record<string, Uint8Array>): Uint8Array {
  const out: number[] = [];
  const central: number[] = [];
  const names = Object.keys(files);
  for (const name of names) {
    const data = files[name];
    const n = [...enc.encode(name)];
    const offset = out.length;
    out.push(...u32(0x04034b50), ...u16(45), ...u16(0), ...u16(0), ...u32(0), ...u32(0));
    out.push(...u32(data.length), ...u32(data.length), ...u16(n.length), ...u16(0), ...n, ...data);
    const extra = [...u16(1), ...u16(24), ...u64(data.length), ...u64(data.length), ...u64(offset)];
    central.push(
      ...u32(0x02014b50),
      ...u16(45),
      ...u16(45),
      ...u16(0),
      ...u16(0),
      ...u32(0),
      ...u32(0),
    );
    central.push(...u32(0xffffffff), ...u32(0xffffffff), ...u16(n.length), ...u16(extra.length));
    central.push(...u16(0), ...u16(0), ...u16(0), ...u32(0), ...u32(0xffffffff), ...n, ...extra);
  }
  const cdOffset = out.length;
  out.push(...central);
  const z64 = out.length;
  out.push(...u32(0x06064b50), ...u64(44), ...u16(45), ...u16(45), ...u32(0), ...u32(0));
  out.push(...u64(names.length), ...u64(names.length), ...u64(central.length), ...u64(cdOffset));
  out.push(...u32(0x07064b50), ...u32(0), ...u64(z64), ...u32(1));
  out.push(...u32(0x06054b50), ...u16(0), ...u16(0), ...u16(0xffff), ...u16(0xffff));
  out.push(...u32(0xffffffff), ...u32(0xffffffff), ...u16(0));
  return Uint8Array.from(out);
}

/** The TorchCheckpointError that `run` throws (fails the test when it throws none or another). */
export function checkpointErrorOf(run: () => unknown): TorchCheckpointError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(TorchCheckpointError);
    return err as TorchCheckpointError;
  }
  throw new Error('expected a TorchCheckpointError, got none');
}
