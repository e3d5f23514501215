// Reads JSON tokens (whitespace, numbers, strings, structure) straight from UTF-8 bytes,
// with the same number values and the same strictness as JSON.parse.

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/** Exact powers of ten: every 10^k with k <= 22 is a double without rounding. */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * A cursor over JSON bytes. Each `read*`/`skip*` method advances `pos` past one token
 * and returns false (leaving `pos` at the offending byte) when the bytes there are not
 * that token, so a caller can give up on anything it does not expect.
 */
export class JsonByteReader {
  readonly bytes: Uint8Array;
  pos: number;
  /** The value of the last number read by {@link readNumber}. */
  value = 0;

  constructor(bytes: Uint8Array, pos = 0) {
    this.bytes = bytes;
    this.pos = pos;
  }

  /** Skip JSON whitespace; returns the byte there (-1 at the end). */
  skipSpace(): number {
    const b = this.bytes;
    let p = this.pos;
    let c = p < b.length ? b[p] : -1;
    while (isSpace(c)) c = ++p < b.length ? b[p] : -1;
    this.pos = p;
    return c;
  }

  /** Consume `byte` after optional whitespace. */
  expect(byte: number): boolean {
    if (this.skipSpace() !== byte) return false;
    this.pos++;
    return true;
  }

  /**
   * Read a number into `value`. Up to 15 significant digits and a decimal exponent
   * within +-22, the digits as an integer times or divided by an exact power of ten is
   * one correctly rounded operation on exact operands, hence the double JSON.parse gives
   * (Clinger's fast path); anything longer goes through `Number()` on the token.
   */
  readNumber(): boolean {
    const b = this.bytes;
    const start = this.pos;
    const end = numberEnd(b, start);
    if (end < 0) return false;
    this.pos = end;
    let p = start;
    const negative = b[p] === MINUS;
    if (negative) p++;
    let mantissa = 0;
    let significant = 0;
    let exponent = 0;
    let fraction = false;
    for (; p < end; p++) {
      const c = b[p];
      if (c === DOT) fraction = true;
      else if (c === LOWER_E || c === UPPER_E) break;
      else {
        if (significant > 0 || c !== ZERO) {
          mantissa = mantissa * 10 + (c - ZERO);
          significant++;
        }
        if (fraction) exponent--;
      }
    }
    if (p < end) {
      // The exponent (its grammar is checked): [eE][+-]?digits.
      let q = p + 1;
      const expNegative = b[q] === MINUS;
      if (expNegative || b[q] === PLUS) q++;
      let e = 0;
      for (; q < end; q++) if (e < 10_000) e = e * 10 + (b[q] - ZERO);
      exponent += expNegative ? -e : e;
    }
    if (mantissa === 0) {
      this.value = negative ? -0 : 0;
    } else if (significant <= 15 && exponent >= -22 && exponent <= 22) {
      const v = exponent < 0 ? mantissa / POW10[-exponent] : mantissa * POW10[exponent];
      this.value = negative ? -v : v;
    } else {
      this.value = Number(latin1(b, start, end));
    }
    return true;
  }

  /** Skip a number, checking its grammar only. */
  skipNumber(): boolean {
    const end = numberEnd(this.bytes, this.pos);
    if (end < 0) return false;
    this.pos = end;
    return true;
  }

  /**
   * Skip `[n, n, ...]` (possibly empty) after optional whitespace, checking every
   * number's grammar: polygons, most of a results file, in one tight loop.
   */
  skipNumberList(): boolean {
    const b = this.bytes;
    let p = this.pos;
    let c = b[p];
    while (isSpace(c)) c = b[++p];
    if (c !== LBRACKET) {
      this.pos = p;
      return false;
    }
    c = b[++p];
    while (isSpace(c)) c = b[++p];
    if (c !== RBRACKET) {
      for (;;) {
        p = numberEnd(b, p);
        if (p < 0) return false;
        c = b[p];
        while (isSpace(c)) c = b[++p];
        if (c === RBRACKET) break;
        if (c !== COMMA) {
          this.pos = p;
          return false;
        }
        c = b[++p];
        while (isSpace(c)) c = b[++p];
      }
    }
    this.pos = p + 1;
    return true;
  }

  /**
   * Skip a string starting at its opening quote, checking escapes and that no control
   * character appears unescaped (JSON.parse rejects both).
   */
  skipString(): boolean {
    const b = this.bytes;
    let p = this.pos;
    if (b[p] !== QUOTE) return false;
    p++;
    for (;;) {
      if (p >= b.length) {
        this.pos = p;
        return false;
      }
      const c = b[p];
      if (c === QUOTE) break;
      if (c < SPACE) {
        this.pos = p;
        return false;
      }
      if (c === BACKSLASH) {
        const e = b[p + 1];
        if (e === 0x75) {
          // \uXXXX
          for (let k = 2; k < 6; k++) {
            if (!isHexDigit(b[p + k])) {
              this.pos = p;
              return false;
            }
          }
          p += 6;
          continue;
        }
        if (!isSimpleEscape(e)) {
          this.pos = p;
          return false;
        }
        p += 2;
        continue;
      }
      p++;
    }
    this.pos = p + 1;
    return true;
  }

  /**
   * Whether the bytes at `pos` are the member name `name` (quoted, no escapes); consumes
   * it when they are.
   */
  matchKey(name: Uint8Array): boolean {
    const b = this.bytes;
    const p = this.pos;
    const n = name.length;
    if (b[p + n + 1] !== QUOTE) return false;
    for (let k = 0; k < n; k++) if (b[p + 1 + k] !== name[k]) return false;
    this.pos = p + n + 2;
    return true;
  }
}

/**
 * Where the number starting at `p` ends (JSON grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)?
 * ([eE] [+-]? [0-9]+)?`), or -1 when the bytes there are not one.
 */
function numberEnd(b: Uint8Array, p: number): number {
  let c = b[p];
  if (c === MINUS) c = b[++p];
  if (c === ZERO) c = b[++p];
  else if (c > ZERO && c <= NINE) {
    do c = b[++p];
    while (c >= ZERO && c <= NINE);
  } else return -1;
  if (c === DOT) {
    c = b[++p];
    if (!(c >= ZERO && c <= NINE)) return -1;
    do c = b[++p];
    while (c >= ZERO && c <= NINE);
  }
  if (c === LOWER_E || c === UPPER_E) {
    c = b[++p];
    if (c === MINUS || c === PLUS) c = b[++p];
    if (!(c >= ZERO && c <= NINE)) return -1;
    do c = b[++p];
    while (c >= ZERO && c <= NINE);
  }
  return p;
}

/** JSON whitespace. */
export function isSpace(c: number): boolean {
  return c === SPACE || c === LF || c === CR || c === TAB;
}

/** ASCII bytes of a member name, for {@link JsonByteReader.matchKey}. */
export function keyBytes(name: string): Uint8Array {
  return Uint8Array.from(name, (ch) => ch.charCodeAt(0));
}

/** The bytes `[from, to)` as a Latin-1 string (numbers and names are ASCII). */
export function latin1(bytes: Uint8Array, from: number, to: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('latin1');
}

function isHexDigit(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function isSimpleEscape(c: number): boolean {
  // " \ / b f n r t
  return (
    c === QUOTE ||
    c === BACKSLASH ||
    c === 0x2f ||
    c === 0x62 ||
    c === 0x66 ||
    c === 0x6e ||
    c === 0x72 ||
    c === 0x74
  );
}
