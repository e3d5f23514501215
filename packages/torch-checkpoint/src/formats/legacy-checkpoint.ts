// Read a pre-1.6 torch.save file: pickled magic number, protocol, sys info, the object, the storage keys, then raw storages.

import { TorchCheckpointError } from '../checkpoint-error.js';
import { ELEMENT_SIZE } from '../dtypes.js';
import { ByteReader, TruncatedError } from '../pickle/byte-reader.js';
import type { PickleHost, PickleValue } from '../pickle/pickle-value.js';
import { Unpickler } from '../pickle/unpickler.js';
import { resolveTensors } from '../torch/resolve-tensors.js';
import { TorchPickleHost } from '../torch/torch-host.js';
import type { ByteSource } from './byte-source.js';

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

/** The header pickles hold plain data only: no global, no persistent id. */
const PLAIN_DATA: PickleHost = {
  findGlobal: (module, name) => {
    throw new Error(`global '${module}.${name}' is not allowed in a header pickle`);
  },
  persistentLoad: () => {
    throw new Error('a header pickle has no persistent ids');
  },
  build: () => {
    throw new Error('a header pickle has no object state');
  },
};

/**
 * Whether `bytes` start like a legacy file: a pickle of protocol 2-5 (PROTO opcode), or of
 * protocol 0/1, whose magic number is a text LONG record (`L` and digits).
 */
export function looksLegacy(bytes: Uint8Array): boolean {
  if (bytes.length < 2) return false;
  if (bytes[0] === 0x80) return bytes[1] >= 2 && bytes[1] <= 5;
  return bytes[0] === 0x4c && bytes[1] >= 0x30 && bytes[1] <= 0x39;
}

interface LegacyPickles {
  root: PickleValue;
  keys: string[];
  host: TorchPickleHost;
  /** Byte offset of the first storage, just after the key list. */
  end: number;
}

/** The five pickles at the start of the file, all of which `head` must hold. */
function readPickles(head: Uint8Array, file: string): LegacyPickles {
  const reader = new ByteReader(head);
  const header = (record: string) => new Unpickler(reader, PLAIN_DATA, { file, record }).load();

  const magic = header('magic number');
  if (magic !== LEGACY_MAGIC) {
    throw new TorchCheckpointError(
      file,
      'magic number',
      `a pickle, but not a torch.save file (magic ${String(magic)}, expected ${LEGACY_MAGIC})`,
    );
  }
  const protocol = header('protocol version');
  if (protocol !== LEGACY_PROTOCOL) {
    throw new TorchCheckpointError(
      file,
      'protocol version',
      `torch legacy protocol ${String(protocol)} is not supported (expected ${LEGACY_PROTOCOL})`,
    );
  }
  header('sys info');
  const host = new TorchPickleHost('legacy');
  const root = new Unpickler(reader, host, { file, record: 'object pickle' }).load();
  const keys = header('storage keys');
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string' || typeof k === 'number')) {
    throw new TorchCheckpointError(file, 'storage keys', 'must be a list of storage keys');
  }
  return { root, keys: keys.map(String), host, end: reader.pos };
}

/**
 * The unpickled object of a legacy checkpoint with every tensor read. Storage data follow
 * the key list in its order, each as an int64 element count and the raw bytes; torch writes
 * them little-endian whatever the machine (the sys info's `little_endian` is informational).
 */
export function readLegacyCheckpoint(source: ByteSource, file: string): PickleValue {
  // The pickles are small and come first: read a prefix, and a longer one if they go on.
  let length = Math.min(source.size, 1 << 20);
  let pickles: LegacyPickles;
  for (;;) {
    try {
      pickles = readPickles(source.read(0, length, 'pickles'), file);
      break;
    } catch (err) {
      const cut = err instanceof TorchCheckpointError && err.cause instanceof TruncatedError;
      if (!cut || length === source.size) throw err;
      length = Math.min(source.size, length * 8);
    }
  }

  const { host } = pickles;
  const storages = new Map<string, Uint8Array>();
  let pos = pickles.end;
  for (const key of pickles.keys) {
    const record = `storage ${key}`;
    const info = host.storages.get(key);
    if (!info) {
      throw new TorchCheckpointError(file, record, 'is in the key list but no tensor names it');
    }
    try {
      const count = source.read(pos, 8, 'element count');
      const numel = new DataView(count.buffer, count.byteOffset, 8).getBigInt64(0, true);
      if (numel !== BigInt(info.numel)) {
        throw new Error(`holds ${numel} element(s), the pickle says ${info.numel}`);
      }
      const bytes = info.numel * ELEMENT_SIZE[info.dtype];
      storages.set(key, source.read(pos + 8, bytes, 'storage data'));
      pos += 8 + bytes;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new TorchCheckpointError(
        file,
        record,
        err instanceof TruncatedError ? `${message} (the file is truncated)` : message,
      );
    }
  }
  return resolveTensors(
    pickles.root,
    (key) => {
      const data = storages.get(key);
      if (!data) {
        throw new TorchCheckpointError(
          file,
          `storage ${key}`,
          'is named by a tensor but not in the key list',
        );
      }
      return data;
    },
    file,
  );
}
