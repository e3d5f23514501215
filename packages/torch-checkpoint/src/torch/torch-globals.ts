// The allow-list: the only globals a checkpoint may name, each a pure data constructor; any other is refused by name.

import {
  describeValue,
  isHostValue,
  type PickleGlobal,
  type PickleValue,
} from '../pickle/pickle-value.js';
import {
  type NamespaceValue,
  STORAGE_TYPE_DTYPES,
  type StorageRef,
  type TensorTypeValue,
  type TensorView,
  TORCH_DTYPE_NAMES,
} from './torch-values.js';

export function isTensorView(v: PickleValue | undefined): v is TensorView {
  return isHostValue<TensorView>(v, 'tensor-view');
}

export function isNamespace(v: PickleValue | undefined): v is NamespaceValue {
  return isHostValue<NamespaceValue>(v, 'namespace');
}

export function isStorageRef(v: PickleValue | undefined): v is StorageRef {
  return isHostValue<StorageRef>(v, 'storage');
}

function nonNegativeInt(v: PickleValue | undefined, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new Error(`${what} must be a non-negative int, got ${describeValue(v)}`);
  }
  return v;
}

function intTuple(v: PickleValue | undefined, what: string): number[] {
  if (!Array.isArray(v)) throw new Error(`${what} must be a tuple, got ${describeValue(v)}`);
  return v.map((d, i) => nonNegativeInt(d, `${what}[${i}]`));
}

function expectArgs(name: string, args: PickleValue[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : `${min}-${max}`;
    throw new Error(`${name} takes ${want} arguments, got ${args.length}`);
  }
}

/** `_rebuild_tensor(storage, storage_offset, size, stride)`: a view, read once storages are known. */
function tensorView(name: string, args: PickleValue[]): TensorView {
  const [storage, offset, size, stride] = args;
  if (!isStorageRef(storage)) {
    throw new Error(`${name}: storage must be a persistent storage, got ${describeValue(storage)}`);
  }
  const shape = intTuple(size, `${name} size`);
  const strides = intTuple(stride, `${name} stride`);
  if (strides.length !== shape.length) {
    throw new Error(`${name}: size has ${shape.length} dims but stride ${strides.length}`);
  }
  return {
    kind: 'tensor-view',
    storage,
    storageOffset: nonNegativeInt(offset, `${name} storage_offset`),
    shape,
    stride: strides,
  };
}

function tensorArg(name: string, v: PickleValue | undefined): TensorView {
  if (!isTensorView(v)) throw new Error(`${name}: data must be a tensor, got ${describeValue(v)}`);
  return v;
}

type Call = (args: PickleValue[]) => PickleValue;

/** Callable globals by qualified name. requires_grad, hooks and Parameter-ness are dropped. */
const CALLABLES: Record<string, Call> = {
  'torch._utils._rebuild_tensor': (a) => {
    expectArgs('_rebuild_tensor', a, 4, 4);
    return tensorView('_rebuild_tensor', a);
  },
  'torch._utils._rebuild_tensor_v2': (a) => {
    // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    expectArgs('_rebuild_tensor_v2', a, 6, 7);
    return tensorView('_rebuild_tensor_v2', a);
  },
  'torch._utils._rebuild_parameter': (a) => {
    expectArgs('_rebuild_parameter', a, 3, 3);
    return tensorArg('_rebuild_parameter', a[0]);
  },
  'torch._utils._rebuild_parameter_with_state': (a) => {
    expectArgs('_rebuild_parameter_with_state', a, 4, 4);
    return tensorArg('_rebuild_parameter_with_state', a[0]);
  },
  'torch._tensor._rebuild_from_type_v2': (a) => {
    // (func, new_type, args, state): a tensor (sub)class rebuilt by another allowed global.
    expectArgs('_rebuild_from_type_v2', a, 4, 4);
    const [func, type, args] = a;
    if (!isHostValue<TensorTypeValue>(type, 'tensor-type')) {
      throw new Error(`_rebuild_from_type_v2: type must be torch.Tensor or torch.nn.Parameter`);
    }
    if (!isHostValue<PickleGlobal>(func, 'global') || !func.call || !Array.isArray(args)) {
      throw new Error('_rebuild_from_type_v2: needs an allowed function and its arguments');
    }
    return tensorArg('_rebuild_from_type_v2', func.call(args));
  },
  'collections.OrderedDict': (a) => {
    expectArgs('OrderedDict', a, 0, 1);
    const dict = new Map<PickleValue, PickleValue>();
    if (a.length === 1) {
      if (!Array.isArray(a[0])) throw new Error('OrderedDict: items must be a list of pairs');
      for (const pair of a[0]) {
        if (!Array.isArray(pair) || pair.length !== 2) {
          throw new Error('OrderedDict: items must be (key, value) pairs');
        }
        dict.set(pair[0], pair[1]);
      }
    }
    return dict;
  },
  'argparse.Namespace': (a) => {
    expectArgs('argparse.Namespace', a, 0, 0);
    const ns: NamespaceValue = { kind: 'namespace', attributes: new Map() };
    return ns;
  },
  'torch.Size': (a) => {
    expectArgs('torch.Size', a, 0, 1);
    return a.length === 0 ? [] : intTuple(a[0], 'torch.Size');
  },
  'torch.device': (a) => {
    expectArgs('torch.device', a, 1, 2);
    if (typeof a[0] !== 'string') throw new Error('torch.device: type must be a str');
    return a.length === 2 && a[1] !== null ? `${a[0]}:${nonNegativeInt(a[1], 'index')}` : a[0];
  },
  'builtins.set': (a) => new Set(setItems(a)),
  'builtins.frozenset': (a) => new Set(setItems(a)),
  '_codecs.encode': (a) => {
    // How protocol 2 pickles Python 3 `bytes`: encode(text, 'latin1').
    expectArgs('_codecs.encode', a, 2, 2);
    const [text, encoding] = a;
    if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) {
      throw new Error("_codecs.encode: only (str, 'latin1'), as pickle writes bytes, is allowed");
    }
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0xff) throw new Error('_codecs.encode: a latin1 string has a code point over 255');
      out[i] = c;
    }
    return out;
  },
};
CALLABLES['__builtin__.set'] = CALLABLES['builtins.set'];
CALLABLES['__builtin__.frozenset'] = CALLABLES['builtins.frozenset'];

function setItems(a: PickleValue[]): PickleValue[] {
  expectArgs('set', a, 0, 1);
  if (a.length === 0) return [];
  if (!Array.isArray(a[0])) throw new Error('set: items must be a list');
  return a[0];
}

const TENSOR_TYPES = new Set([
  'torch.Tensor',
  'torch.nn.parameter.Parameter',
  'torch.nn.Parameter',
]);

/** Every allowed global, built once and frozen so that no file can alter them. */
const ALLOWED = new Map<string, PickleValue>();
for (const [qualifiedName, call] of Object.entries(CALLABLES)) {
  ALLOWED.set(qualifiedName, Object.freeze({ kind: 'global', qualifiedName, call }));
}
for (const [name, dtype] of Object.entries(STORAGE_TYPE_DTYPES)) {
  for (const module of ['torch', 'torch.cuda']) {
    const qualifiedName = `${module}.${name}`;
    ALLOWED.set(qualifiedName, Object.freeze({ kind: 'storage-type', dtype, qualifiedName }));
  }
}
for (const [name, dtype] of Object.entries(TORCH_DTYPE_NAMES)) {
  ALLOWED.set(`torch.${name}`, Object.freeze({ kind: 'torch-dtype', dtype }));
}
for (const qualifiedName of TENSOR_TYPES) {
  ALLOWED.set(qualifiedName, Object.freeze({ kind: 'tensor-type', qualifiedName }));
}

/** The allowed global `module.name`, or an error that names it and says why it is refused. */
export function allowedGlobal(module: string, name: string): PickleValue {
  const qualifiedName = `${module}.${name}`;
  const found = ALLOWED.get(qualifiedName);
  if (found !== undefined) return found;
  throw new Error(
    `global '${qualifiedName}' is not allowed: a checkpoint may name only what a state dict ` +
      `needs (${Object.keys(CALLABLES).join(', ')}, torch storage types and dtypes); ` +
      'any other global could run code when loaded, so the file is refused (a file that holds ' +
      'a whole pickled model or other objects: save model.state_dict() with torch.save instead)',
  );
}

/** Names of the allowed globals, for documentation and tests. */
export function allowedGlobalNames(): string[] {
  return [...ALLOWED.keys()];
}
