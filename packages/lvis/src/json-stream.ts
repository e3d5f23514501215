// Streams a large JSON file's top-level members, handing out array elements in batches.
import { createReadStream } from 'node:fs';

/** What {@link streamTopLevelObject} reports while it reads a file. */
export interface TopLevelObjectHandlers {
  /** A batch of consecutive elements of the top-level array member `key`, in file order. */
  onArrayItems(key: string, items: unknown[]): void;
  /** A top-level member whose value is not an array (e.g. `info`). */
  onValue(key: string, value: unknown): void;
  /** When set, a top-level array is accepted and streamed as a member of this name. */
  topLevelArrayKey?: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

type Mode = 'start' | 'member' | 'key' | 'colon' | 'value-start' | 'array' | 'value' | 'end';

/** Whether the quote at `q` is escaped: an odd run of backslashes since `from` precedes it. */
function isEscapedQuote(buf: Buffer, from: number, q: number): boolean {
  let k = q - 1;
  while (k >= from && buf[k] === BACKSLASH) k--;
  return (q - 1 - k) % 2 === 1;
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/**
 * Read a JSON file whose top level is an object, without ever holding the whole text: a
 * byte scanner finds the top-level members and the element boundaries of array members,
 * and each run of complete elements in a read block is handed to the native `JSON.parse`.
 * This is how files larger than V8's maximum string length (~512 MB; LVIS v1 train is
 * ~1.1 GB) are loaded. Errors name the file, the member and the byte offset.
 */
export async function streamTopLevelObject(
  path: string,
  handlers: TopLevelObjectHandlers,
  blockSize = 4 << 20,
): Promise<void> {
  let mode: Mode = 'start';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let key = '';
  let topIsArray = false;
  /** Unconsumed bytes carried from the previous block. */
  let carry: Buffer = Buffer.alloc(0);
  /** File offset of carry[0]. */
  let carryOffset = 0;
  /** How many of the carried bytes the scanner state already covers. */
  let scanned = 0;

  const fail = (what: string, offset: number): never => {
    throw new Error(`${path}: ${what} at byte ${offset}`);
  };
  const parseSlice = (buf: Buffer, from: number, to: number, offset: number, wrap: boolean) => {
    const text = buf.toString('utf8', from, to);
    try {
      return JSON.parse(wrap ? `[${text}]` : text) as unknown;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const where = topIsArray ? 'the top-level array' : `top-level member '${key}'`;
      return fail(`malformed JSON in ${where} (${msg}), in the text starting`, offset + from);
    }
  };

  const stream = createReadStream(path, { highWaterMark: blockSize });
  /**
   * In an array, with the carried bytes starting at an element: hand out everything up to
   * the block's last `},{` (or `}, {`) if that text parses as elements. It parses only
   * when that `}` closes an element outside any string (a cut inside an element or a
   * string leaves brackets or a string open), so the state after the comma is known
   * without scanning a byte. Objects in arrays (annotations, images) are most of a file.
   */
  const tryElementCut = (buf: Buffer, base: number): boolean => {
    const cut = Math.max(buf.lastIndexOf('},{'), buf.lastIndexOf('}, {'));
    if (cut < 0) return false;
    let items: unknown;
    try {
      items = JSON.parse(`[${buf.toString('utf8', 0, cut + 1)}]`);
    } catch {
      // Not objects in this array (or malformed: the scanner will say where): scan it.
      cutArrays = false;
      return false;
    }
    handlers.onArrayItems(key, items as unknown[]);
    carry = buf.subarray(cut + 2);
    carryOffset = base + cut + 2;
    scanned = 0;
    depth = 2;
    inString = false;
    escaped = false;
    return true;
  };
  /** Whether to try {@link tryElementCut} in the current array. */
  let cutArrays = true;

  /** Scan `buf` (the carried bytes, then new ones) from where the state stands. */
  const scanBlock = (buf: Buffer, base: number) => {
    /** Start of the bytes not yet handed out (key text, value text or array elements). */
    let segStart = 0;
    /** In array mode: the comma after the last complete element. */
    let lastElementEnd = -1;
    const n = buf.length;
    // The scanner state already covers the carried bytes: resume after them.
    for (let i = scanned; i < n; i++) {
      if (mode === 'array' && !inString) {
        // Fast path through an array body (almost all of a big file): only depth-2 commas,
        // brackets and strings matter; a string is skipped with indexOf. Stops at the
        // array's closing bracket, or at a string running past the block, for the
        // byte-by-byte code below.
        let j = i;
        for (; j < n; j++) {
          const c = buf[j];
          if (c > 0x2f && c < 0x3a) continue;
          if (c === COMMA) {
            if (depth === 2) lastElementEnd = j;
          } else if (c === QUOTE) {
            let q = buf.indexOf(QUOTE, j + 1);
            while (q !== -1 && isEscapedQuote(buf, j + 1, q)) q = buf.indexOf(QUOTE, q + 1);
            if (q === -1) break;
            j = q;
          } else if (c === LBRACE || c === LBRACKET) depth++;
          else if (c === RBRACE || c === RBRACKET) {
            if (depth === 2) break;
            depth--;
          }
        }
        i = j;
        if (i >= n) break;
      }
      const b = buf[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) {
          inString = false;
          if (mode === 'key') {
            key = parseSlice(buf, segStart, i + 1, base, false) as string;
            mode = 'colon';
          }
        }
        continue;
      }
      switch (mode) {
        case 'start':
          if (isSpace(b)) continue;
          if (b === LBRACKET && handlers.topLevelArrayKey !== undefined) {
            // A top-level array streams like an array member named topLevelArrayKey.
            key = handlers.topLevelArrayKey;
            topIsArray = true;
            mode = 'array';
            cutArrays = true;
            depth = 2;
            segStart = i + 1;
            lastElementEnd = -1;
            continue;
          }
          if (b !== LBRACE) fail('expected a JSON object at the top level', base + i);
          mode = 'member';
          depth = 1;
          continue;
        case 'member':
          if (isSpace(b) || b === COMMA) continue;
          if (b === RBRACE) {
            mode = 'end';
            continue;
          }
          if (b !== QUOTE) fail('expected a member name', base + i);
          mode = 'key';
          inString = true;
          segStart = i;
          continue;
        case 'colon':
          if (isSpace(b)) continue;
          if (b !== COLON) fail(`expected ':' after member name '${key}'`, base + i);
          mode = 'value-start';
          continue;
        case 'value-start':
          if (isSpace(b)) continue;
          if (b === LBRACKET) {
            mode = 'array';
            cutArrays = true;
            depth = 2;
            segStart = i + 1;
            lastElementEnd = -1;
            continue;
          }
          mode = 'value';
          segStart = i;
          // Re-examine this byte in value mode.
          i--;
          continue;
        case 'array':
          if (b === QUOTE) inString = true;
          else if (b === LBRACE || b === LBRACKET) depth++;
          else if (b === RBRACE || b === RBRACKET) {
            depth--;
            if (depth === 1) {
              // End of the array: hand out what is left.
              const items = segStart < i ? parseSlice(buf, segStart, i, base, true) : [];
              // Reported even when empty, so an empty array member still exists.
              handlers.onArrayItems(key, items as unknown[]);
              mode = topIsArray ? 'end' : 'member';
              lastElementEnd = -1;
              segStart = i + 1;
            }
          } else if (b === COMMA && depth === 2) lastElementEnd = i;
          continue;
        case 'value':
          if (b === QUOTE) inString = true;
          else if (b === LBRACE || b === LBRACKET) depth++;
          else if (b === RBRACE || b === RBRACKET) {
            if (depth === 1) {
              // The closing brace of the top-level object ends a scalar value.
              handlers.onValue(key, parseSlice(buf, segStart, i, base, false));
              mode = 'end';
              depth = 0;
              continue;
            }
            depth--;
          } else if (b === COMMA && depth === 1) {
            handlers.onValue(key, parseSlice(buf, segStart, i, base, false));
            mode = 'member';
          }
          continue;
        case 'end':
          if (!isSpace(b)) fail('unexpected text after the top-level object', base + i);
          continue;
        case 'key':
          continue;
      }
    }
    // Hand out the complete array elements of this block and carry the rest over.
    if (mode === 'array' && lastElementEnd > segStart) {
      handlers.onArrayItems(
        key,
        parseSlice(buf, segStart, lastElementEnd, base, true) as unknown[],
      );
      segStart = lastElementEnd + 1;
    }
    const keepFrom = mode === 'key' || mode === 'array' || mode === 'value' ? segStart : n;
    carry = buf.subarray(keepFrom);
    carryOffset = base + keepFrom;
    scanned = carry.length;
  };

  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    if (!((mode as Mode) === 'array' && cutArrays && tryElementCut(buf, carryOffset))) {
      scanBlock(buf, carryOffset);
    }
  }
  // Bytes handed over by the last cut that the scanner has not seen (the array's end...).
  if (scanned < carry.length) scanBlock(carry, carryOffset);
  const finalMode = mode as Mode;
  if (finalMode !== 'end') {
    fail(
      inString || finalMode !== 'member'
        ? 'unexpected end of file (truncated JSON?)'
        : 'missing closing }',
      carryOffset + carry.length,
    );
  }
}
