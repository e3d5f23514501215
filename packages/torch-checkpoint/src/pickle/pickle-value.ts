// The values an unpickled stream can hold, and the contract with the host that supplies its few allowed globals.

/**
 * A value the host built from an allowed global (a tensor, a storage type, a dtype, ...).
 * Its `kind` names what it is; nothing else in an unpickled tree is a plain object.
 */
export interface HostValue {
  readonly kind: string;
}

/**
 * An unpickled value. Python lists and tuples become arrays, dicts and `OrderedDict`s become
 * `Map`s (insertion-ordered, keys of any type), sets become `Set`s, `bytes` a `Uint8Array`;
 * ints become numbers when they are safe integers, else bigints.
 */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | Map<PickleValue, PickleValue>
  | Set<PickleValue>
  | HostValue;

/**
 * What `GLOBAL` / `STACK_GLOBAL` push: a reference to one allowed global. `call` is what
 * `REDUCE`, `NEWOBJ`, `INST` and `OBJ` do with it; globals that are only ever passed as
 * arguments (storage types, dtypes) have none.
 */
export interface PickleGlobal extends HostValue {
  readonly kind: 'global';
  /** `module.name`, as named in errors. */
  readonly qualifiedName: string;
  readonly call?: (args: PickleValue[]) => PickleValue;
}

/** The host side of an unpickler: the allow-list of globals and the persistent ids it resolves. */
export interface PickleHost {
  /** The allowed global `module.name` (a callable `PickleGlobal` or a plain value such as a dtype), or throw naming it. */
  findGlobal(module: string, name: string): PickleValue;
  /** `persistent_load(pid)`: what a `BINPERSID` / `PERSID` record stands for, or throw. */
  persistentLoad(pid: PickleValue): PickleValue;
  /** `BUILD` (set state) on `target`, or throw when that object takes no state. */
  build(target: PickleValue, state: PickleValue): void;
}

/** Whether `v` is a host value of `kind` (containers, bytes and primitives never are). */
export function isHostValue<V extends HostValue>(
  v: PickleValue | undefined,
  kind: V['kind'],
): v is V {
  return (
    typeof v === 'object' &&
    v !== null &&
    !ArrayBuffer.isView(v) &&
    !Array.isArray(v) &&
    !(v instanceof Map) &&
    !(v instanceof Set) &&
    v.kind === kind
  );
}

/** A short name of a value's type for error messages. */
export function describeValue(v: PickleValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'None';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number' || typeof v === 'bigint') return 'int or float';
  if (typeof v === 'string') return 'str';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return `list/tuple of ${v.length}`;
  if (v instanceof Map) return 'dict';
  if (v instanceof Set) return 'set';
  if (v.kind === 'global') return `global ${(v as PickleGlobal).qualifiedName}`;
  return v.kind;
}
