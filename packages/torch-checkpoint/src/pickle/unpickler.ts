// A restricted pickle machine: every data opcode of protocols 0-5, while globals and persistent ids go through the host's allow-list.

import { TorchCheckpointError } from '../checkpoint-error.js';
import type { ByteReader } from './byte-reader.js';
import { OPCODE_NAMES } from './opcode-names.js';
import {
  describeValue,
  isHostValue,
  type PickleGlobal,
  type PickleHost,
  type PickleValue,
} from './pickle-value.js';
import {
  floatRecord,
  intRecord,
  longRecord,
  stringRecord,
  unicodeRecord,
} from './text-literals.js';

/** What an opcode that pushes nothing returns. */
const NOTHING: unique symbol = Symbol('nothing');

/**
 * Longest int accepted, in bytes: a checkpoint's ints are sizes, counts and seeds, and
 * decoding is quadratic in the length, so a file cannot stall the reader with a huge one.
 */
export const MAX_INT_BYTES = 256;

/** Python's arbitrary-size little-endian two's-complement int (LONG1 / LONG4). */
function signedLittleEndian(bytes: Uint8Array): number | bigint {
  if (bytes.length > MAX_INT_BYTES) {
    throw new Error(
      `an int of ${bytes.length} bytes (more than ${MAX_INT_BYTES}) is not checkpoint data`,
    );
  }
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v;
}

function isCallableGlobal(v: PickleValue | undefined): v is PickleGlobal & Required<PickleGlobal> {
  return isHostValue<PickleGlobal>(v, 'global') && typeof v.call === 'function';
}

/** Where a pickle sits, for errors: the checkpoint file and the record inside it. */
export interface PickleSource {
  file: string;
  record: string;
}

/**
 * Runs one pickle (up to its STOP) from `reader`'s position and leaves the reader just after
 * it, so that consecutive pickles (the legacy format) read in turn. It never calls anything
 * but the host: a `GLOBAL` the host does not allow fails before anything is built.
 */
export class Unpickler {
  #stack: PickleValue[] = [];
  readonly #marks: PickleValue[][] = [];
  readonly #memo = new Map<number, PickleValue>();

  constructor(
    private readonly reader: ByteReader,
    private readonly host: PickleHost,
    private readonly source: PickleSource,
  ) {}

  load(): PickleValue {
    for (;;) {
      const at = this.reader.pos;
      let op = -1;
      try {
        op = this.reader.u8('opcode');
        if (op === 0x2e) return this.#pop();
        const pushed = this.#step(op);
        if (pushed !== NOTHING) this.#stack.push(pushed);
      } catch (err) {
        if (err instanceof TorchCheckpointError) throw err;
        const name = OPCODE_NAMES[op] ?? (op < 0 ? 'end of data' : `opcode 0x${op.toString(16)}`);
        const message = err instanceof Error ? err.message : String(err);
        throw new TorchCheckpointError(
          this.source.file,
          this.source.record,
          `byte ${at}: ${name}: ${message}`,
          undefined,
          err,
        );
      }
    }
  }

  #pop(): PickleValue {
    if (this.#stack.length === 0) throw new Error('stack underflow (corrupt pickle)');
    return this.#stack.pop()!;
  }

  #top(): PickleValue {
    if (this.#stack.length === 0) throw new Error('stack underflow (corrupt pickle)');
    return this.#stack[this.#stack.length - 1];
  }

  /** The items pushed since the last MARK, restoring the stack below it. */
  #popMark(): PickleValue[] {
    const items = this.#stack;
    const below = this.#marks.pop();
    if (!below) throw new Error('no MARK to close (corrupt pickle)');
    this.#stack = below;
    return items;
  }

  #memoGet(key: number): PickleValue {
    if (!this.#memo.has(key)) throw new Error(`memo key ${key} was never stored (corrupt pickle)`);
    return this.#memo.get(key)!;
  }

  #str(v: PickleValue, what: string): string {
    if (typeof v !== 'string') throw new Error(`${what} must be a str, got ${describeValue(v)}`);
    return v;
  }

  #call(callee: PickleValue, args: PickleValue, opName: string): PickleValue {
    if (!isCallableGlobal(callee)) {
      throw new Error(`${opName} needs an allowed callable global, got ${describeValue(callee)}`);
    }
    if (!Array.isArray(args)) {
      throw new Error(
        `${callee.qualifiedName}: arguments must be a tuple, got ${describeValue(args)}`,
      );
    }
    return callee.call(args);
  }

  /** Run one opcode; returns what it pushes, or NOTHING. */
  #step(op: number): PickleValue | typeof NOTHING {
    const r = this.reader;
    switch (op) {
      case 0x80: {
        const proto = r.u8('protocol');
        if (proto > 5) throw new Error(`pickle protocol ${proto} is newer than 5`);
        return NOTHING;
      }
      case 0x95:
        r.u64('frame length'); // frames only group the opcodes that follow
        return NOTHING;
      case 0x28:
        this.#marks.push(this.#stack);
        this.#stack = [];
        return NOTHING;
      case 0x30:
        if (this.#stack.length > 0) this.#stack.pop();
        else this.#popMark();
        return NOTHING;
      case 0x31:
        this.#popMark();
        return NOTHING;
      case 0x32:
        return this.#top();
      case 0x4e:
        return null;
      case 0x88:
        return true;
      case 0x89:
        return false;
      case 0x4a:
        return r.i32('BININT');
      case 0x4b:
        return r.u8('BININT1');
      case 0x4d:
        return r.u16('BININT2');
      case 0x8a:
        return signedLittleEndian(r.view(r.u8('LONG1 size'), 'LONG1'));
      case 0x8b: {
        const n = r.i32('LONG4 size');
        if (n < 0) throw new Error('negative LONG4 size');
        return signedLittleEndian(r.view(n, 'LONG4'));
      }
      case 0x49:
        return intRecord(r.line('INT'));
      case 0x4c:
        return longRecord(r.line('LONG'));
      case 0x47:
        return r.f64BigEndian('BINFLOAT');
      case 0x46:
        return floatRecord(r.line('FLOAT'));
      case 0x58:
        return r.utf8(r.u32('BINUNICODE size'), 'BINUNICODE');
      case 0x8c:
        return r.utf8(r.u8('SHORT_BINUNICODE size'), 'SHORT_BINUNICODE');
      case 0x8d:
        return r.utf8(r.u64('BINUNICODE8 size'), 'BINUNICODE8');
      case 0x56:
        return unicodeRecord(r.line('UNICODE'));
      // Python 2 `str`: torch.load decodes it as UTF-8, and so do we.
      case 0x54: {
        const n = r.i32('BINSTRING size');
        if (n < 0) throw new Error('negative BINSTRING size');
        return r.utf8(n, 'BINSTRING');
      }
      case 0x55:
        return r.utf8(r.u8('SHORT_BINSTRING size'), 'SHORT_BINSTRING');
      case 0x53:
        return stringRecord(r.line('STRING'));
      case 0x42:
        return r.view(r.u32('BINBYTES size'), 'BINBYTES').slice();
      case 0x43:
        return r.view(r.u8('SHORT_BINBYTES size'), 'SHORT_BINBYTES').slice();
      case 0x8e:
        return r.view(r.u64('BINBYTES8 size'), 'BINBYTES8').slice();
      case 0x96:
        return r.view(r.u64('BYTEARRAY8 size'), 'BYTEARRAY8').slice();
      case 0x29:
        return [];
      case 0x74:
        return this.#popMark();
      case 0x85:
        return [this.#pop()];
      case 0x86: {
        const b = this.#pop();
        return [this.#pop(), b];
      }
      case 0x87: {
        const c = this.#pop();
        const b = this.#pop();
        return [this.#pop(), b, c];
      }
      case 0x5d:
        return [];
      case 0x6c:
        return this.#popMark();
      case 0x61: {
        const item = this.#pop();
        this.#listTarget().push(item);
        return NOTHING;
      }
      case 0x65: {
        const items = this.#popMark();
        this.#listTarget().push(...items);
        return NOTHING;
      }
      case 0x7d:
        return new Map();
      case 0x64: {
        const items = this.#popMark();
        const dict = new Map<PickleValue, PickleValue>();
        this.#setItems(dict, items);
        return dict;
      }
      case 0x73: {
        const value = this.#pop();
        const key = this.#pop();
        this.#setItems(this.#dictTarget(), [key, value]);
        return NOTHING;
      }
      case 0x75: {
        const items = this.#popMark();
        this.#setItems(this.#dictTarget(), items);
        return NOTHING;
      }
      case 0x8f:
        return new Set();
      case 0x90: {
        const items = this.#popMark();
        const set = this.#top();
        if (!(set instanceof Set)) throw new Error(`ADDITEMS on ${describeValue(set)}, not a set`);
        for (const item of items) set.add(item);
        return NOTHING;
      }
      case 0x91:
        return new Set(this.#popMark());
      case 0x67:
        return this.#memoGet(Number(r.line('GET')));
      case 0x68:
        return this.#memoGet(r.u8('BINGET'));
      case 0x6a:
        return this.#memoGet(r.u32('LONG_BINGET'));
      case 0x70:
        this.#memo.set(Number(r.line('PUT')), this.#top());
        return NOTHING;
      case 0x71:
        this.#memo.set(r.u8('BINPUT'), this.#top());
        return NOTHING;
      case 0x72:
        this.#memo.set(r.u32('LONG_BINPUT'), this.#top());
        return NOTHING;
      case 0x94:
        this.#memo.set(this.#memo.size, this.#top());
        return NOTHING;
      case 0x63: {
        const module = r.line('GLOBAL module');
        const name = r.line('GLOBAL name');
        return this.host.findGlobal(module, name);
      }
      case 0x93: {
        const name = this.#str(this.#pop(), 'STACK_GLOBAL name');
        const module = this.#str(this.#pop(), 'STACK_GLOBAL module');
        return this.host.findGlobal(module, name);
      }
      case 0x52: {
        const args = this.#pop();
        return this.#call(this.#pop(), args, 'REDUCE');
      }
      case 0x81: {
        const args = this.#pop();
        return this.#call(this.#pop(), args, 'NEWOBJ');
      }
      case 0x92: {
        const kwargs = this.#pop();
        const args = this.#pop();
        if (!(kwargs instanceof Map) || kwargs.size > 0) {
          throw new Error('keyword arguments are not supported');
        }
        return this.#call(this.#pop(), args, 'NEWOBJ_EX');
      }
      case 0x69: {
        const module = r.line('INST module');
        const name = r.line('INST name');
        const cls = this.host.findGlobal(module, name);
        return this.#call(cls, this.#popMark(), 'INST');
      }
      case 0x6f: {
        const [cls, ...args] = this.#popMark();
        return this.#call(cls, args, 'OBJ');
      }
      case 0x62: {
        const state = this.#pop();
        this.host.build(this.#top(), state);
        return NOTHING;
      }
      case 0x51:
        return this.host.persistentLoad(this.#pop());
      case 0x50:
        return this.host.persistentLoad(r.line('PERSID'));
      case 0x82:
      case 0x83:
      case 0x84:
        throw new Error('extension registry codes name arbitrary globals: refused');
      case 0x97:
      case 0x98:
        throw new Error('out-of-band buffers are not part of a checkpoint: refused');
      default:
        throw new Error('unknown opcode (corrupt pickle, or not a pickle)');
    }
  }

  #listTarget(): PickleValue[] {
    const list = this.#top();
    if (!Array.isArray(list)) throw new Error(`append to ${describeValue(list)}, not a list`);
    return list;
  }

  #dictTarget(): Map<PickleValue, PickleValue> {
    const dict = this.#top();
    if (!(dict instanceof Map)) throw new Error(`set item on ${describeValue(dict)}, not a dict`);
    return dict;
  }

  #setItems(dict: Map<PickleValue, PickleValue>, items: PickleValue[]): void {
    if (items.length % 2 !== 0) throw new Error('odd number of dict items (corrupt pickle)');
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
  }
}
