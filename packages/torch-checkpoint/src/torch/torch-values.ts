// The torch objects a checkpoint's pickle names before its storages are read: storage types, dtypes, storages, tensor views.

import type { TorchDType } from '../dtypes.js';
import type { HostValue, PickleValue } from '../pickle/pickle-value.js';

/** `torch.FloatStorage` and friends: only ever an argument (of a persistent id). */
export interface StorageTypeValue extends HostValue {
  readonly kind: 'storage-type';
  readonly dtype: TorchDType;
  readonly qualifiedName: string;
}

/** `torch.float32` and friends, as pickled by value (`_rebuild_tensor_v3`, metadata). */
export interface TorchDTypeValue extends HostValue {
  readonly kind: 'torch-dtype';
  readonly dtype: TorchDType;
}

/** `torch.Tensor` / `torch.nn.Parameter` as the type argument of `_rebuild_from_type_v2`. */
export interface TensorTypeValue extends HostValue {
  readonly kind: 'tensor-type';
  readonly qualifiedName: string;
}

/**
 * A storage that a persistent id names: `key` is its record (`data/<key>` in a zip, the
 * key list in the legacy format); a legacy storage view starts `elementOffset` elements into
 * that record and holds `numel` elements.
 */
export interface StorageRef extends HostValue {
  readonly kind: 'storage';
  readonly key: string;
  readonly dtype: TorchDType;
  readonly elementOffset: number;
  readonly numel: number;
}

/** A tensor as `_rebuild_tensor_v2` describes it: a strided view of a storage, read later. */
export interface TensorView extends HostValue {
  readonly kind: 'tensor-view';
  readonly storage: StorageRef;
  readonly storageOffset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

/**
 * An `argparse.Namespace` (the `args` that torchvision's reference scripts save beside the
 * model): a plain record of attributes, set by `BUILD`.
 */
export interface NamespaceValue extends HostValue {
  readonly kind: 'namespace';
  readonly attributes: Map<PickleValue, PickleValue>;
}

/** The storage classes of `torch` (and `torch.cuda`, whose bytes are the same on disk). */
export const STORAGE_TYPE_DTYPES: Readonly<Record<string, TorchDType>> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  UntypedStorage: 'uint8',
};

/** `torch.<name>` dtype attributes (with their aliases). */
export const TORCH_DTYPE_NAMES: Readonly<Record<string, TorchDType>> = {
  float32: 'float32',
  float: 'float32',
  float64: 'float64',
  double: 'float64',
  float16: 'float16',
  half: 'float16',
  bfloat16: 'bfloat16',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  int16: 'int16',
  short: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
};
