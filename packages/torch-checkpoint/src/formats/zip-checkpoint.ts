// Read a torch.save zip archive (PyTorch >= 1.6): `<name>/data.pkl`, one `<name>/data/<key>` record per storage, `byteorder`.

import { unzipSync } from 'fflate';
import { TorchCheckpointError } from '../checkpoint-error.js';
import { ELEMENT_SIZE } from '../dtypes.js';
import { ByteReader } from '../pickle/byte-reader.js';
import type { PickleValue } from '../pickle/pickle-value.js';
import { Unpickler } from '../pickle/unpickler.js';
import { resolveTensors } from '../torch/resolve-tensors.js';
import { swapBytes } from '../torch/strided-copy.js';
import { TorchPickleHost } from '../torch/torch-host.js';

/** Entries of the archive whose names pass `keep`, checked against their directory sizes. */
function unzipEntries(
  bytes: Uint8Array,
  file: string,
  keep: (name: string) => boolean,
): Map<string, Uint8Array> {
  const declared = new Map<string, number>();
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (info) => {
        if (!keep(info.name)) return false;
        declared.set(info.name, info.originalSize);
        return true;
      },
    });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new TorchCheckpointError(
      file,
      'zip directory',
      `cannot read the archive (${why}): the file is truncated or corrupt`,
    );
  }
  const out = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(entries)) {
    const size = declared.get(name) ?? data.length;
    if (data.length !== size) {
      throw new TorchCheckpointError(
        file,
        name,
        `truncated: ${data.length} of its ${size} bytes are in the file`,
      );
    }
    out.set(name, data);
  }
  return out;
}

/** The archive's top folder: torch names it after the file it first wrote (`archive` by default). */
function archivePrefix(bytes: Uint8Array, file: string): { prefix: string; names: string[] } {
  const names: string[] = [];
  try {
    unzipSync(bytes, {
      filter: (info) => {
        names.push(info.name);
        return false;
      },
    });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new TorchCheckpointError(
      file,
      'zip directory',
      `cannot read the archive (${why}): the file is truncated or corrupt`,
    );
  }
  const pickles = names.filter((n) => /^[^/]+\/data\.pkl$/.test(n));
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
  if (names.includes(`${prefix}constants.pkl`)) {
    throw new TorchCheckpointError(
      file,
      `${prefix}constants.pkl`,
      'a TorchScript archive (torch.jit.save) holds code, not a checkpoint: save its state_dict() with torch.save',
    );
  }
  return { prefix, names };
}

/** The unpickled object of a zip checkpoint, with every tensor read from its storage record. */
export function readZipCheckpoint(bytes: Uint8Array, file: string): PickleValue {
  const { prefix } = archivePrefix(bytes, file);
  const pklName = `${prefix}data.pkl`;
  const orderName = `${prefix}byteorder`;
  const head = unzipEntries(bytes, file, (n) => n === pklName || n === orderName);

  let bigEndian = false;
  const order = head.get(orderName);
  if (order) {
    const text = new TextDecoder().decode(order).trim();
    if (text !== 'little' && text !== 'big') {
      throw new TorchCheckpointError(file, orderName, `must be 'little' or 'big', got '${text}'`);
    }
    bigEndian = text === 'big';
  }

  const host = new TorchPickleHost('zip');
  const pkl = head.get(pklName)!;
  const root = new Unpickler(new ByteReader(pkl), host, { file, record: pklName }).load();

  const dataName = (key: string) => `${prefix}data/${key}`;
  const wanted = new Set([...host.storages.keys()].map(dataName));
  const storages = unzipEntries(bytes, file, (n) => wanted.has(n));
  if (bigEndian) {
    for (const [key, info] of host.storages) {
      const data = storages.get(dataName(key));
      if (data) swapBytes(data, ELEMENT_SIZE[info.dtype]);
    }
  }
  return resolveTensors(
    root,
    (key) => {
      const data = storages.get(dataName(key));
      if (!data)
        throw new TorchCheckpointError(
          file,
          dataName(key),
          'the record is missing from the archive',
        );
      return data;
    },
    file,
  );
}
