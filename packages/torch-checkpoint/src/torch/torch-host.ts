// The unpickler's host for torch.save files: allowed globals, storage persistent ids, and the storages they name.

import type { TorchDType } from '../dtypes.js';
import {
  describeValue,
  isHostValue,
  type PickleHost,
  type PickleValue,
} from '../pickle/pickle-value.js';
import { allowedGlobal, isNamespace } from './torch-globals.js';
import type { StorageRef, StorageTypeValue } from './torch-values.js';

/** What the pickle says about one storage record. */
export interface StorageRecordInfo {
  dtype: TorchDType;
  /** Elements, as the persistent id states (the legacy format checks it against the data). */
  numel: number;
}

/**
 * The zip format's persistent id is `('storage', type, key, location, numel)`; the legacy
 * format's adds a sixth item, `view_metadata`: `None`, or `(view_key, offset, size)` for an old
 * storage view into the `key` record.
 */
export class TorchPickleHost implements PickleHost {
  /** Storage records named so far, by key. */
  readonly storages = new Map<string, StorageRecordInfo>();
  readonly #refs = new Map<string, StorageRef>();

  constructor(private readonly format: 'zip' | 'legacy') {}

  findGlobal(module: string, name: string): PickleValue {
    return allowedGlobal(module, name);
  }

  persistentLoad(pid: PickleValue): PickleValue {
    const arity = this.format === 'zip' ? 5 : 6;
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length !== arity) {
      throw new Error(
        `persistent id must be a ${arity}-tuple ('storage', type, key, location, numel${
          arity === 6 ? ', view' : ''
        }), got ${describeValue(pid)}`,
      );
    }
    const [, type, key, , numel, view] = pid;
    if (!isHostValue<StorageTypeValue>(type, 'storage-type')) {
      throw new Error(
        `persistent id: storage type must be a torch storage class, got ${describeValue(type)}`,
      );
    }
    if (typeof key !== 'string' && typeof key !== 'number') {
      throw new Error(`persistent id: key must be a str, got ${describeValue(key)}`);
    }
    if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
      throw new Error(
        `persistent id: numel must be a non-negative int, got ${describeValue(numel)}`,
      );
    }
    const record = String(key);
    const known = this.storages.get(record);
    if (known && (known.dtype !== type.dtype || known.numel !== numel)) {
      throw new Error(
        `storage '${record}' is named as ${type.dtype} × ${numel} and as ${known.dtype} × ${known.numel}`,
      );
    }
    this.storages.set(record, { dtype: type.dtype, numel });
    if (view === undefined || view === null) return this.#ref(record, type.dtype, 0, numel);
    if (
      !Array.isArray(view) ||
      view.length !== 3 ||
      typeof view[1] !== 'number' ||
      typeof view[2] !== 'number'
    ) {
      throw new Error(
        `persistent id: storage view must be (key, offset, size), got ${describeValue(view)}`,
      );
    }
    const [viewKey, offset, size] = view;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0) {
      throw new Error('persistent id: storage view offset and size must be non-negative ints');
    }
    if (offset + size > numel) {
      throw new Error(
        `storage view '${String(viewKey)}' [${offset}, ${offset + size}) exceeds storage '${record}' of ${numel}`,
      );
    }
    return this.#ref(`${record}@${String(viewKey)}`, type.dtype, offset, size, record);
  }

  /** One object per storage (as torch shares it between the tensors that view it). */
  #ref(id: string, dtype: TorchDType, elementOffset: number, numel: number, key = id): StorageRef {
    let ref = this.#refs.get(id);
    if (!ref) {
      ref = Object.freeze({ kind: 'storage', key, dtype, elementOffset, numel });
      this.#refs.set(id, ref);
    }
    return ref;
  }

  /**
   * Two objects take state: an `OrderedDict` (a state dict's `_metadata`, per-module versions
   * that the tensors do not need, dropped) and an `argparse.Namespace` (its attributes).
   */
  build(target: PickleValue, state: PickleValue): void {
    const attributes = state instanceof Map ? state : Array.isArray(state) ? state[0] : undefined;
    if (isNamespace(target) && attributes instanceof Map) {
      for (const [k, v] of attributes) target.attributes.set(k, v);
      return;
    }
    const stateIsAttributes = attributes instanceof Map || attributes === null;
    if (target instanceof Map && stateIsAttributes) return;
    throw new Error(
      `BUILD (set state) on ${describeValue(target)} with ${describeValue(state)} is not supported`,
    );
  }
}
