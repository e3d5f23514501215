// Read a torch.save zip archive (PyTorch >= 1.6): `<name>/data.pkl`, one `<name>/data/<key>` record per storage, `byteorder`.

import { TorchCheckpointError } from '../checkpoint-error.js';
import { ELEMENT_SIZE } from '../dtypes.js';
import { ByteReader } from '../pickle/byte-reader.js';
import type { PickleValue } from '../pickle/pickle-value.js';
import { Unpickler } from '../pickle/unpickler.js';
import { resolveTensors } from '../torch/resolve-tensors.js';
import { swapBytes } from '../torch/strided-copy.js';
import { TorchPickleHost } from '../torch/torch-host.js';
import type { ByteSource } from './byte-source.js';
import { readZipDirectory, readZipEntry, type ZipEntry } from './zip-directory.js';

/** Whether `head` (the first bytes) is a zip local header. */
export function looksZip(head: Uint8Array): boolean {
  return (
    head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04
  );
}

function failure(file: string, record: string, err: unknown): TorchCheckpointError {
  if (err instanceof TorchCheckpointError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TorchCheckpointError(file, record, message, undefined, err);
}

/** The archive's top folder: torch names it after the file it first wrote (`archive` by default). */
function archivePrefix(entries: Map<string, ZipEntry>, file: string): string {
  const pickles = [...entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    throw new TorchCheckpointError(
      file,
      'zip directory',
      pickles.length === 0
        ? 'no <name>/data.pkl record: a zip file, but not one torch.save wrote'
        : `${pickles.length} <name>/data.pkl records (${pickles.join(', ')}); expected one`,
    );
  }
  const prefix = pickles[0].slice(0, -'data.pkl'.length);
  if (entries.has(`${prefix}constants.pkl`)) {
    throw new TorchCheckpointError(
      file,
      `${prefix}constants.pkl`,
      'a TorchScript archive (torch.jit.save) holds code, not a checkpoint: save its state_dict() with torch.save',
    );
  }
  return prefix;
}

/**
 * The unpickled object of a zip checkpoint, with every tensor read from its storage record.
 * Records are read straight from the source, each once; torch pads STORED records so that
 * their data start 64-byte aligned, so from memory they are mostly views, not copies.
 */
export function readZipCheckpoint(source: ByteSource, file: string): PickleValue {
  let entries: Map<string, ZipEntry>;
  try {
    entries = readZipDirectory(source);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new TorchCheckpointError(
      file,
      'zip directory',
      `cannot read the archive (${why}): the file is truncated or corrupt`,
      undefined,
      err,
    );
  }
  const prefix = archivePrefix(entries, file);
  const entryBytes = (name: string): Uint8Array => {
    const entry = entries.get(name);
    if (!entry)
      throw new TorchCheckpointError(file, name, 'the record is missing from the archive');
    try {
      return readZipEntry(source, entry);
    } catch (err) {
      throw failure(file, name, err);
    }
  };

  let bigEndian = false;
  const orderName = `${prefix}byteorder`;
  if (entries.has(orderName)) {
    const text = new TextDecoder().decode(entryBytes(orderName)).trim();
    if (text !== 'little' && text !== 'big') {
      throw new TorchCheckpointError(file, orderName, `must be 'little' or 'big', got '${text}'`);
    }
    bigEndian = text === 'big';
  }

  const host = new TorchPickleHost('zip');
  const pklName = `${prefix}data.pkl`;
  const root = new Unpickler(new ByteReader(entryBytes(pklName)), host, {
    file,
    record: pklName,
  }).load();

  const storages = new Map<string, Uint8Array>();
  for (const [key, info] of host.storages) {
    let data = entryBytes(`${prefix}data/${key}`);
    if (bigEndian && ELEMENT_SIZE[info.dtype] > 1) {
      // Swapped in place, so never in the caller's memory.
      if (source.sharesMemory) data = data.slice();
      swapBytes(data, ELEMENT_SIZE[info.dtype]);
    }
    storages.set(key, data);
  }
  return resolveTensors(root, (key) => storages.get(key)!, file);
}
