// Apply a list of rename rules (pattern → mmdetection name, optional row transform) to a name → tensor map.

import { TorchCheckpointError } from '../checkpoint-error.js';
import { type TorchTensor, typedArrayOver } from '../dtypes.js';

/** One rule: a source-name pattern, its target name, and what to do with the rows of dim 0. */
export interface RenameRule {
  pattern: RegExp;
  /** Target name from the match (groups of `pattern`). */
  target: (m: RegExpMatchArray) => string;
  /** Rows of dim 0 to keep, in their new order, given the source's row count. */
  rows?: (rowCount: number, source: string) => number[];
}

export interface RenameResult {
  /** Target name → tensor, in the source's order. */
  tensors: Map<string, TorchTensor>;
  /** Source names deliberately left out (classifier of an ImageNet net, BN batch counters). */
  dropped: string[];
  /** Source names no rule knows (empty unless `strict` is false). */
  unmapped: string[];
}

export interface RenameOptions {
  /** Throw on a name no rule knows (default true). */
  strict?: boolean;
  /** Named in errors. */
  file?: string;
}

/** A new tensor of the rows `rows` of dim 0 of `t`, in that order. */
export function selectRows(t: TorchTensor, rows: readonly number[]): TorchTensor {
  const rowCount = t.shape[0];
  const rowBytes = rowCount === 0 ? 0 : t.data.byteLength / rowCount;
  const src = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Uint8Array(rows.length * rowBytes);
  rows.forEach((r, i) => {
    if (!(Number.isInteger(r) && r >= 0 && r < rowCount)) {
      throw new RangeError(`row ${r} of a tensor with ${rowCount} rows`);
    }
    out.set(src.subarray(r * rowBytes, (r + 1) * rowBytes), i * rowBytes);
  });
  return Object.freeze({
    kind: 'tensor',
    dtype: t.dtype,
    shape: Object.freeze([rows.length, ...t.shape.slice(1)]),
    data: typedArrayOver(t.dtype, out),
  }) as TorchTensor;
}

/** Rename every tensor of `tensors` by the first rule whose pattern matches it. */
export function applyRenameRules(
  tensors: ReadonlyMap<string, TorchTensor>,
  rules: readonly RenameRule[],
  drop: RegExp,
  opts: RenameOptions = {},
): RenameResult {
  const file = opts.file ?? 'state dict';
  const out: RenameResult = { tensors: new Map(), dropped: [], unmapped: [] };
  for (const [name, tensor] of tensors) {
    if (drop.test(name)) {
      out.dropped.push(name);
      continue;
    }
    let mapped = false;
    for (const rule of rules) {
      const m = name.match(rule.pattern);
      if (!m) continue;
      const target = rule.target(m);
      if (out.tensors.has(target)) {
        throw new TorchCheckpointError(file, 'state dict', `two tensors map to '${target}'`, name);
      }
      let t = tensor;
      if (rule.rows) {
        if (t.shape.length === 0) {
          throw new TorchCheckpointError(
            file,
            'state dict',
            'expected a tensor with rows, got a scalar',
            name,
          );
        }
        t = selectRows(t, rule.rows(t.shape[0], name));
      }
      out.tensors.set(target, t);
      mapped = true;
      break;
    }
    if (mapped) continue;
    if (opts.strict ?? true) {
      throw new TorchCheckpointError(
        file,
        'state dict',
        'no mmdetection name for this tensor (pass strict: false to leave it out)',
        name,
      );
    }
    out.unmapped.push(name);
  }
  return out;
}
