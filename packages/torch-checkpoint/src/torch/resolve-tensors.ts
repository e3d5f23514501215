// Replace the tensor views and storages in an unpickled tree by tensors read from their storage records.

import { TorchCheckpointError } from '../checkpoint-error.js';
import { ELEMENT_SIZE, type TorchTensor } from '../dtypes.js';
import type { PickleValue } from '../pickle/pickle-value.js';
import { stridedToContiguous } from './strided-copy.js';
import { isNamespace, isStorageRef, isTensorView } from './torch-globals.js';
import type { StorageRef, TensorView } from './torch-values.js';

/** The bytes of one storage record (aligned to 8), or throw naming the record. */
export type StorageBytesOf = (key: string) => Uint8Array;

/**
 * Walks `root` (lists, tuples, dicts, sets; shared and cyclic references visited once) and
 * swaps every tensor view, and every bare storage, for a `TorchTensor`. Returns the new root.
 */
export function resolveTensors(
  root: PickleValue,
  storageBytes: StorageBytesOf,
  file: string,
): PickleValue {
  const done = new Map<TensorView | StorageRef, TorchTensor>();
  const seen = new Set<PickleValue>();

  const tensorOf = (v: TensorView | StorageRef, path: string): TorchTensor => {
    const cached = done.get(v);
    if (cached) return cached;
    const view: TensorView = isTensorView(v)
      ? v
      : { kind: 'tensor-view', storage: v, storageOffset: 0, shape: [v.numel], stride: [1] };
    const { storage } = view;
    let data: TorchTensor['data'];
    try {
      // A legacy storage view is a window of its record: offsets add, the window bounds it.
      let bytes = storageBytes(storage.key);
      const es = ELEMENT_SIZE[storage.dtype];
      if (storage.elementOffset > 0 || storage.numel * es < bytes.byteLength) {
        bytes = bytes.subarray(
          storage.elementOffset * es,
          (storage.elementOffset + storage.numel) * es,
        );
      }
      data = stridedToContiguous(bytes, storage.dtype, view.storageOffset, view.shape, view.stride);
    } catch (err) {
      if (err instanceof TorchCheckpointError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new TorchCheckpointError(file, `storage ${storage.key}`, message, path);
    }
    const tensor = Object.freeze({
      kind: 'tensor',
      dtype: storage.dtype,
      shape: Object.freeze([...view.shape]),
      data,
    }) as TorchTensor;
    done.set(v, tensor);
    return tensor;
  };

  const visit = (v: PickleValue, path: string): PickleValue => {
    if (isTensorView(v) || isStorageRef(v)) return tensorOf(v, path);
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || seen.has(v)) return v;
    seen.add(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = visit(v[i], `${path}[${i}]`);
    } else if (v instanceof Map) {
      for (const [k, item] of v) v.set(k, visit(item, `${path}.${String(k)}`));
    } else if (isNamespace(v)) {
      visit(v.attributes, path);
    } else if (v instanceof Set) {
      const items = [...v];
      v.clear();
      for (const item of items) v.add(visit(item, `${path}{}`));
    }
    return v;
  };

  return visit(root, 'root');
}
