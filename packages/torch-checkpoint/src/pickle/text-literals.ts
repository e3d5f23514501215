// Decode the text forms of pickle protocol 0 (INT, LONG, FLOAT, STRING, UNICODE) without evaluating anything.

/** A Python int literal as a number when it is a safe integer, else a bigint. */
export function intFromDigits(text: string): number | bigint {
  // About as many digits as MAX_INT_BYTES bytes hold: longer is not checkpoint data.
  if (text.length > 620)
    throw new Error(`an int literal of ${text.length} characters is not checkpoint data`);
  if (!/^[+-]?\d+$/.test(text)) throw new Error(`'${text}' is not an integer literal`);
  const big = BigInt(text);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(big)
    : big;
}

/** `INT`: Python 2 wrote booleans as `01` / `00`. */
export function intRecord(line: string): number | bigint | boolean {
  if (line === '01') return true;
  if (line === '00') return false;
  return intFromDigits(line.trim());
}

/** `LONG`: digits with an optional `L` suffix. */
export function longRecord(line: string): number | bigint {
  return intFromDigits(line.trim().replace(/L$/, ''));
}

/** `FLOAT`: Python's repr of a float (including `nan`, `inf`). */
export function floatRecord(line: string): number {
  const t = line.trim().toLowerCase();
  if (t === 'nan') return Number.NaN;
  if (t === 'inf') return Number.POSITIVE_INFINITY;
  if (t === '-inf') return Number.NEGATIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) {
    throw new Error(`'${line}' is not a float literal`);
  }
  return Number(t);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  r: '\r',
  t: '\t',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
};

/** `STRING`: a quoted Python 2 `str` repr, with backslash escapes (\\xHH, \\n, ...). */
export function stringRecord(line: string): string {
  const q = line[0];
  if ((q !== "'" && q !== '"') || line.length < 2 || line[line.length - 1] !== q) {
    throw new Error('STRING argument is not a quoted string');
  }
  const body = line.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === 'x') {
      const hex = body.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Error(`bad \\x escape in STRING '${line}'`);
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 2;
    } else if (e !== undefined && e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
    } else {
      throw new Error(`unknown escape \\${e ?? ''} in STRING '${line}'`);
    }
  }
  return out;
}

/** `UNICODE`: raw-unicode-escape text, where only \\uXXXX and \\UXXXXXXXX are escapes. */
export function unicodeRecord(line: string): string {
  return line.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, u4: string, u8: string) =>
    String.fromCodePoint(Number.parseInt(u4 ?? u8, 16)),
  );
}
