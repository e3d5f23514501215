import { readFile, stat } from 'node:fs/promises';
import { streamTopLevelObject } from './json-stream.js';

/** Files at least this large are read with the streaming parser by default (256 MiB). */
export const DEFAULT_STREAMING_THRESHOLD = 256 * 1024 * 1024;

export interface JsonLoadOptions {
  /**
   * `'auto'` (default): stream files of at least `streamingThreshold` bytes, `JSON.parse`
   * the rest; `true`/`false` force one path.
   */
  streaming?: boolean | 'auto';
  /** Size in bytes from which `'auto'` streams. */
  streamingThreshold?: number;
}

/** Whether `path` of `size` bytes is read with the streaming parser under `options`. */
export function usesStreaming(size: number, options: JsonLoadOptions = {}): boolean {
  const mode = options.streaming ?? 'auto';
  if (mode !== 'auto') return mode;
  return size >= (options.streamingThreshold ?? DEFAULT_STREAMING_THRESHOLD);
}

/**
 * Read a JSON file whose top level is an object or an array. Large files go through the
 * streaming parser (arrays are assembled from parsed batches, so no string ever holds
 * the whole file); small ones through `JSON.parse`. Errors name the file.
 */
export async function readJsonFile(path: string, options: JsonLoadOptions = {}): Promise<unknown> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    throw new Error(`${path}: cannot read file (${(err as Error).message})`);
  }
  if (!usesStreaming(size, options)) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new Error(
        `${path}: cannot read as one string (${(err as Error).message}); files this large need the streaming parser`,
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new Error(`${path}: malformed JSON (${(err as Error).message})`);
    }
  }
  const TOP = '\u0000top-level array';
  const object: Record<string, unknown> = {};
  let topArray: unknown[] | undefined;
  await streamTopLevelObject(path, {
    topLevelArrayKey: TOP,
    onArrayItems(key, items) {
      if (key === TOP) {
        topArray ??= [];
        appendAll(topArray, items);
        return;
      }
      let target = object[key] as unknown[] | undefined;
      if (!Array.isArray(target)) {
        target = [];
        object[key] = target;
      }
      appendAll(target, items);
    },
    onValue(key, value) {
      object[key] = value;
    },
  });
  return topArray ?? object;
}

function appendAll(target: unknown[], items: unknown[]): void {
  // push(...items) overflows the stack for large batches.
  for (let i = 0; i < items.length; i++) target.push(items[i]);
}
