// The entry points: tell the format from the first bytes, read the object, and find its state dict.

import { TorchCheckpointError } from './checkpoint-error.js';
import type { TorchTensor } from './dtypes.js';
import { type ByteSource, fileSource, memorySource } from './formats/byte-source.js';
import { looksLegacy, readLegacyCheckpoint } from './formats/legacy-checkpoint.js';
import { looksZip, readZipCheckpoint } from './formats/zip-checkpoint.js';
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

function isTar(head: Uint8Array): boolean {
  return head.length > 262 && new TextDecoder().decode(head.subarray(257, 262)) === 'ustar';
}

/** Tell the format from the first bytes and read the object. */
function readSource(source: ByteSource, file: string): TorchFile {
  if (source.size === 0) throw new TorchCheckpointError(file, 'file', 'is empty');
  const head = source.read(0, Math.min(source.size, 512), 'first bytes');
  if (looksZip(head)) return { file, format: 'zip', root: readZipCheckpoint(source, file) };
  if (looksLegacy(head))
    return { file, format: 'legacy', root: readLegacyCheckpoint(source, file) };
  if (isTar(head)) {
    throw new TorchCheckpointError(
      file,
      'file',
      'a tar archive: the tar format of the earliest PyTorch releases is not supported; re-save it with a newer torch',
    );
  }
  const hex = [...head.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new TorchCheckpointError(
    file,
    'file',
    `is not a PyTorch checkpoint: neither a zip archive nor a pickle (first bytes ${hex})`,
  );
}

/**
 * Read the object of a torch.save file held in memory; `file` names it in errors. Tensors
 * may be views of `bytes` (where a storage is aligned in it): do not write to `bytes` after.
 */
export function parseTorchFile(bytes: Uint8Array, file = '<bytes>'): TorchFile {
  return readSource(memorySource(bytes), file);
}

/** Read a torch.save file from disk, only the records it needs, each straight into its tensor's memory. */
export function readTorchFileSync(path: string): TorchFile {
  let source: ByteSource;
  try {
    source = fileSource(path);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new TorchCheckpointError(path, 'file', `cannot be read: ${message}`, undefined, err);
  }
  try {
    return readSource(source, path);
  } finally {
    source.close();
  }
}

/** Read a torch.save file (path or bytes) and return its object with tensors read. */
export async function readTorchFile(source: string | Uint8Array): Promise<TorchFile> {
  return typeof source === 'string' ? readTorchFileSync(source) : parseTorchFile(source);
}

function withStateDict(torchFile: TorchFile): TorchCheckpoint {
  const found = stateDictOf(torchFile.root, torchFile.file);
  return { ...torchFile, tensors: found.tensors, stateDictKey: found.key, meta: found.meta };
}

/** Read a checkpoint held in memory and find its state dict (tensors may be views of `bytes`). */
export function parseTorchCheckpoint(bytes: Uint8Array, file = '<bytes>'): TorchCheckpoint {
  return withStateDict(parseTorchFile(bytes, file));
}

/** Read a checkpoint from disk and find its state dict. */
export function readTorchCheckpointSync(path: string): TorchCheckpoint {
  return withStateDict(readTorchFileSync(path));
}

/**
 * Read a PyTorch checkpoint (a path, or its bytes): zip or legacy format, bare state dict,
 * mmdetection `{meta, state_dict}` or `{model}`. Only allowed globals are accepted.
 */
export async function readTorchCheckpoint(source: string | Uint8Array): Promise<TorchCheckpoint> {
  return withStateDict(await readTorchFile(source));
}
