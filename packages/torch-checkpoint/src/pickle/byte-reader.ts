// Bounds-checked little-endian reads over a byte array, failing with the position and what was expected.

const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

/** Thrown for a read past the end; the caller adds the file and record. */
export class TruncatedError extends Error {}

export class ByteReader {
  readonly #view: DataView;
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
  ) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Advance by `n` bytes, returning the old position, or throw if fewer remain. */
  #take(n: number, what: string): number {
    const at = this.pos;
    if (!Number.isSafeInteger(n) || n < 0 || at + n > this.bytes.length) {
      throw new TruncatedError(
        `truncated: ${what} needs ${n} byte(s) at byte ${at}, only ${this.bytes.length - at} left`,
      );
    }
    this.pos = at + n;
    return at;
  }

  u8(what: string): number {
    return this.bytes[this.#take(1, what)];
  }

  u16(what: string): number {
    return this.#view.getUint16(this.#take(2, what), true);
  }

  i32(what: string): number {
    return this.#view.getInt32(this.#take(4, what), true);
  }

  u32(what: string): number {
    return this.#view.getUint32(this.#take(4, what), true);
  }

  /** An unsigned 64-bit length; above 2^53 it cannot be in memory anyway. */
  u64(what: string): number {
    const at = this.#take(8, what);
    const lo = this.#view.getUint32(at, true);
    const hi = this.#view.getUint32(at + 4, true);
    return hi * 2 ** 32 + lo;
  }

  i64(what: string): bigint {
    return this.#view.getBigInt64(this.#take(8, what), true);
  }

  /** Pickle's BINFLOAT is big-endian. */
  f64BigEndian(what: string): number {
    return this.#view.getFloat64(this.#take(8, what), false);
  }

  /** `n` bytes as a view (no copy). */
  view(n: number, what: string): Uint8Array {
    const at = this.#take(n, what);
    return this.bytes.subarray(at, at + n);
  }

  utf8(n: number, what: string): string {
    return utf8.decode(this.view(n, what));
  }

  /** Bytes up to the next newline (excluded), as latin-1 text (protocol 0 text records). */
  line(what: string): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) {
      throw new TruncatedError(`truncated: ${what} has no end of line after byte ${this.pos}`);
    }
    const text = latin1.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }
}
