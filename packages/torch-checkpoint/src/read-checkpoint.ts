// The entry points: tell the format from the first bytes, read the object, and find its state dict.

import { readFile } from 'node:fs/promises';
import { TorchCheckpointError } from './checkpoint-error.js';
import type { TorchTensor } from './dtypes.js';
import { looksLegacy, readLegacyCheckpoint } from './formats/legacy-checkpoint.js';
import { readZipCheckpoint } from './formats/zip-checkpoint.js';
import type { PickleValue } from './pickle/pickle-value.js';
import { stateDictOf } from './state-dict.js';

export type TorchFileFormat = 'zip' | 'legacy';

/** Everything `torch.save` wrote, with tensors read: `root` is the saved object. */
export interface TorchFile {
  file: string;
  format: TorchFileFormat;
  root: PickleValue;
}

/** A checkpoint's state dict and metadata (see `stateDictOf`), plus the whole object. */
export interface TorchCheckpoint extends TorchFile {
  tensors: Map<string, TorchTensor>;
  /** Top-level key of the state dict (`state_dict`, `model`, ...), `null` when bare. */
  stateDictKey: string | null;
  /** The top-level `meta` entry (mmdetection), if any. */
  meta: PickleValue | undefined;
}

function isZip(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    bytes[0] === 0x50 &&
    bytes[1] === 0x4b &&
    bytes[2] === 0x03 &&
    bytes[3] === 0x04
  );
}

function isTar(bytes: Uint8Array): boolean {
  return bytes.length > 262 && new TextDecoder().decode(bytes.subarray(257, 262)) === 'ustar';
}

/** Read the object of a torch.save file held in memory; `file` names it in errors. */
export function parseTorchFile(input: Uint8Array, file = '<bytes>'): TorchFile {
  // A Node Buffer's slice() is a view, not a copy: read through a plain Uint8Array so that the
  // copies this reader makes (aligned storages, bytes values) are copies.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.length === 0) throw new TorchCheckpointError(file, 'file', 'is empty');
  if (isZip(bytes)) return { file, format: 'zip', root: readZipCheckpoint(bytes, file) };
  if (looksLegacy(bytes))
    return { file, format: 'legacy', root: readLegacyCheckpoint(bytes, file) };
  if (isTar(bytes)) {
    throw new TorchCheckpointError(
      file,
      'file',
      'a tar archive: the tar format of the earliest PyTorch releases is not supported; re-save it with a newer torch',
    );
  }
  const head = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new TorchCheckpointError(
    file,
    'file',
    `is not a PyTorch checkpoint: neither a zip archive nor a pickle (first bytes ${head})`,
  );
}

async function bytesOf(source: string | Uint8Array): Promise<{ bytes: Uint8Array; file: string }> {
  if (typeof source !== 'string') return { bytes: source, file: '<bytes>' };
  try {
    return { bytes: await readFile(source), file: source };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new TorchCheckpointError(source, 'file', `cannot be read: ${message}`);
  }
}

/** Read a torch.save file (path or bytes) and return its object with tensors read. */
export async function readTorchFile(source: string | Uint8Array): Promise<TorchFile> {
  const { bytes, file } = await bytesOf(source);
  return parseTorchFile(bytes, file);
}

/** Read a checkpoint held in memory and find its state dict. */
export function parseTorchCheckpoint(bytes: Uint8Array, file = '<bytes>'): TorchCheckpoint {
  const torchFile = parseTorchFile(bytes, file);
  const found = stateDictOf(torchFile.root, file);
  return { ...torchFile, tensors: found.tensors, stateDictKey: found.key, meta: found.meta };
}

/**
 * Read a PyTorch checkpoint (a path, or its bytes): zip or legacy format, bare state dict,
 * mmdetection `{meta, state_dict}` or `{model}`. Only allowed globals are accepted.
 */
export async function readTorchCheckpoint(source: string | Uint8Array): Promise<TorchCheckpoint> {
  const { bytes, file } = await bytesOf(source);
  return parseTorchCheckpoint(bytes, file);
}
