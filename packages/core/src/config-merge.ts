// The one deep merge of configs (mmengine's rules), with a record of which source set each path.

/**
 * What an override of `T` may spell out: every field optional, recursively, except inside
 * arrays (a merged array replaces the base's whole, so it must be complete).
 */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> } & {
        /** Replace the base's value at this key instead of merging into it (mmengine's `_delete_`). */
        _delete_?: boolean;
      }
    : T;

/** A plain JSON-like object (what config files are made of). */
export type ConfigObject = { [key: string]: unknown };

/** Which source (a file, or `--cfg-options`) last set each dotted path. */
export type Provenance = Map<string, string>;

export function isPlainObject(v: unknown): v is ConfigObject {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const DELETE_KEY = '_delete_';

/**
 * Merge `override` onto `base` without touching either: objects merge key by key,
 * arrays and every other value replace. An object with `_delete_: true` replaces the
 * base's value whole (mmengine's rule), and so does a plug-in entry whose `type`
 * differs from the base's: one plug-in's options mean nothing to another.
 *
 * When `provenance` is given, every path the override sets is recorded as set by `source`.
 */
export function deepMerge(
  base: unknown,
  override: unknown,
  provenance?: Provenance,
  source = '',
  path = '',
): unknown {
  if (isPlainObject(override)) {
    const replace =
      override[DELETE_KEY] === true ||
      !isPlainObject(base) ||
      ('type' in override && 'type' in base && override.type !== base.type);
    const start: ConfigObject = replace ? {} : { ...(base as ConfigObject) };
    if (replace && provenance) forgetBelow(provenance, path);
    for (const [key, value] of Object.entries(override)) {
      if (key === DELETE_KEY) continue;
      const childPath = path ? `${path}.${key}` : key;
      start[key] = deepMerge(start[key], value, provenance, source, childPath);
    }
    if (provenance && path) provenance.set(path, source);
    return start;
  }
  if (provenance) {
    forgetBelow(provenance, path);
    provenance.set(path, source);
  }
  return cloneValue(override);
}

function forgetBelow(provenance: Provenance, path: string): void {
  const prefix = path ? `${path}.` : '';
  for (const key of [...provenance.keys()]) if (key.startsWith(prefix)) provenance.delete(key);
}

function cloneValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneValue);
  if (isPlainObject(v)) {
    const out: ConfigObject = {};
    for (const [k, x] of Object.entries(v)) out[k] = cloneValue(x);
    return out;
  }
  return v;
}

/** The source that set `path` or its nearest ancestor, if any. */
export function sourceOf(provenance: Provenance, path: (string | number)[]): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const s = provenance.get(path.slice(0, n).join('.'));
    if (s !== undefined) return s;
  }
  return undefined;
}
