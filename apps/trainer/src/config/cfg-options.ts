// `--cfg-options` overrides: parsed as mmengine's `DictAction` does, then set on a config by
// dotted key.

import { type ConfigObject, isPlainObject } from '@crat/core';

export class CfgOptionsError extends Error {
  override name = 'CfgOptionsError';
}

/**
 * Parse `--cfg-options` pairs as mmengine's `DictAction` does: `key=value` with a dotted
 * key; the value is an int, float, `true`/`false` (any case), `None`/`null` (null), a list
 * `[a,b]` or tuple `(a,b)` (nested allowed), `a,b` (a list), or else a string (quotes
 * stripped). Later pairs win. Returns a nested object to merge onto the config; a
 * numeric key segment (`a.0.b`) indexes into an existing list when merged with
 * {@link applyCfgOptions}.
 */
export function parseCfgOptions(pairs: readonly string[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CfgOptionsError(`--cfg-options: '${pair}' is not key=value`);
    const key = pair.slice(0, eq).trim();
    if (!/^[A-Za-z_][\w-]*(\.[\w-]+)*$/.test(key)) {
      throw new CfgOptionsError(`--cfg-options: '${key}' is not a dotted key (a.b.c)`);
    }
    out.set(key, parseValue(pair.slice(eq + 1), pair));
  }
  return out;
}

/** One value, as `DictAction._parse_iterable` plus `_parse_int_float_bool`. */
export function parseValue(text: string, where = text): unknown {
  const s = text.trim();
  if (s.startsWith('[') || s.startsWith('(')) {
    const close = s.startsWith('[') ? ']' : ')';
    if (!s.endsWith(close))
      throw new CfgOptionsError(`--cfg-options: unbalanced brackets in '${where}'`);
    const inner = s.slice(1, -1);
    return inner.trim() === '' ? [] : splitTopLevel(inner, where).map((p) => parseValue(p, where));
  }
  const parts = splitTopLevel(s, where);
  if (parts.length > 1) return parts.map((p) => parseValue(p, where));
  return parseScalar(s);
}

function parseScalar(s: string): unknown {
  if (/^[+-]?\d+$/.test(s)) return Number.parseInt(s, 10);
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number.parseFloat(s);
  const lower = s.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (s === 'None' || s === 'null') return null;
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s.at(-1) === s[0]) return s.slice(1, -1);
  return s;
}

/** Split on commas outside brackets and quotes. */
function splitTopLevel(s: string, where: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') {
      depth--;
      if (depth < 0) throw new CfgOptionsError(`--cfg-options: unbalanced brackets in '${where}'`);
    } else if (c === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0 || quote)
    throw new CfgOptionsError(`--cfg-options: unbalanced brackets or quotes in '${where}'`);
  parts.push(s.slice(start));
  return parts.filter((p, i) => !(p.trim() === '' && i === parts.length - 1 && parts.length > 1));
}

/**
 * Set each dotted key on a copy of `config`. Intermediate objects are created as needed;
 * a numeric segment indexes into an existing array (`transfers.0.weight=0.01`); a value
 * replaces what was there; setting a plug-in's `type` to another one drops the old plug-in's
 * options, as {@link deepMerge} does.
 */
export function applyCfgOptions(config: ConfigObject, options: Map<string, unknown>): ConfigObject {
  const root = structuredClone(config);
  for (const [key, value] of options) {
    const segs = key.split('.');
    let node: unknown = root;
    for (let i = 0; i < segs.length - 1; i++) {
      node = child(node, segs[i]!, key, true);
    }
    const last = segs.at(-1)!;
    if (Array.isArray(node)) {
      const idx = arrayIndex(node, last, key);
      node[idx] = value;
    } else if (last === 'type' && (node as ConfigObject).type !== value) {
      // A new plug-in type starts from its own defaults, as in deepMerge.
      for (const k of Object.keys(node as ConfigObject)) delete (node as ConfigObject)[k];
      (node as ConfigObject).type = value;
    } else (node as ConfigObject)[last] = value;
  }
  return root;
}

function child(node: unknown, seg: string, key: string, create: boolean): unknown {
  if (Array.isArray(node)) {
    const next = node[arrayIndex(node, seg, key)];
    if (!isPlainObject(next) && !Array.isArray(next)) {
      throw new CfgOptionsError(`--cfg-options ${key}: '${seg}' is not an object or list`);
    }
    return next;
  }
  const obj = node as ConfigObject;
  if (!isPlainObject(obj[seg]) && !Array.isArray(obj[seg])) {
    if (!create || (obj[seg] !== undefined && obj[seg] !== null)) {
      throw new CfgOptionsError(
        `--cfg-options ${key}: '${seg}' is ${JSON.stringify(obj[seg])}, not an object`,
      );
    }
    obj[seg] = {};
  }
  return obj[seg];
}

function arrayIndex(arr: unknown[], seg: string, key: string): number {
  if (!/^\d+$/.test(seg) || Number(seg) >= arr.length) {
    throw new CfgOptionsError(
      `--cfg-options ${key}: '${seg}' is not an index of a list of length ${arr.length}`,
    );
  }
  return Number(seg);
}
