// Where two config trees differ, field by field: what `crat test` and `--resume` report when
// a config does not match the one a checkpoint or work dir recorded.

import { isPlainObject } from '@crat/core';

/** One differing field: its dotted path and both values as JSON (absent: `undefined`). */
export interface ConfigDifference {
  path: string;
  recorded: string | undefined;
  given: string | undefined;
}

const show = (v: unknown): string | undefined => {
  if (v === undefined) return undefined;
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

/**
 * Every leaf where `given` differs from `recorded` (objects compared key by key, arrays and
 * scalars whole), in key order, under the dotted `prefix`.
 */
export function configDifferences(
  recorded: unknown,
  given: unknown,
  prefix = '',
): ConfigDifference[] {
  if (isPlainObject(recorded) && isPlainObject(given)) {
    const keys = [...new Set([...Object.keys(recorded), ...Object.keys(given)])].sort();
    return keys.flatMap((k) =>
      configDifferences(recorded[k], given[k], prefix ? `${prefix}.${k}` : k),
    );
  }
  if (JSON.stringify(recorded) === JSON.stringify(given)) return [];
  return [{ path: prefix, recorded: show(recorded), given: show(given) }];
}

/** `path: recorded → given` lines, at most `max` of them and a count of the rest. */
export function formatDifferences(diffs: readonly ConfigDifference[], max = 8): string {
  const lines = diffs
    .slice(0, max)
    .map((d) => `  ${d.path}: ${d.recorded ?? '(not set)'} → ${d.given ?? '(not set)'}`);
  if (diffs.length > max) lines.push(`  ... and ${diffs.length - max} more`);
  return lines.join('\n');
}
