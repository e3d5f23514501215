// The safetensors file format (8-byte header length, JSON header of names, dtypes, shapes and
// offsets, then raw little-endian bytes), hand-written: the only npm package of that name is
// an unmaintained 0.0.1, and the format is a few dozen lines.

export type SafetensorsDtype = 'F32' | 'F64' | 'F16' | 'BF16' | 'I64' | 'I32' | 'U8' | 'BOOL';

export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Raw bytes of the tensor (a view into the file). */
  bytes: Uint8Array;
}

const DTYPE_SIZE: Record<SafetensorsDtype, number> = {
  F32: 4,
  F64: 8,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  U8: 1,
  BOOL: 1,
};

/** Serialise float32 tensors (in insertion order) with optional string metadata. */
export function encodeSafetensors(
  tensors: Map<string, { shape: number[]; values: Float32Array }>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.values.length) {
      throw new Error(
        `safetensors: '${name}' has ${t.values.length} values for shape [${t.shape}]`,
      );
    }
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + size * 4] };
    offset += size * 4;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    const dv = new DataView(out.buffer, pos, t.values.length * 4);
    for (let i = 0; i < t.values.length; i++) dv.setFloat32(i * 4, t.values[i], true);
    pos += t.values.length * 4;
  }
  return out;
}

/** Parse a safetensors file; `where` names it in errors. */
export function decodeSafetensors(
  data: Uint8Array,
  where = 'safetensors',
): { tensors: Map<string, SafetensorsEntry>; metadata: Record<string, string> } {
  if (data.length < 8) throw new Error(`${where}: file shorter than its 8-byte header length`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (8 + headerLen > data.length)
    throw new Error(`${where}: header length ${headerLen} exceeds the file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(data.subarray(8, 8 + headerLen)));
  } catch (err) {
    throw new Error(`${where}: header is not valid JSON: ${(err as Error).message}`);
  }
  const base = 8 + headerLen;
  const tensors = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = raw as Record<string, string>;
      continue;
    }
    const e = raw as { dtype: SafetensorsDtype; shape: number[]; data_offsets: [number, number] };
    if (!(e.dtype in DTYPE_SIZE))
      throw new Error(`${where}: tensor '${name}': unsupported dtype '${e.dtype}'`);
    const [begin, end] = e.data_offsets;
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (end - begin !== size * DTYPE_SIZE[e.dtype] || base + end > data.length) {
      throw new Error(
        `${where}: tensor '${name}': data_offsets [${begin}, ${end}] do not fit shape [${e.shape}] ${e.dtype}`,
      );
    }
    tensors.set(name, {
      dtype: e.dtype,
      shape: e.shape,
      bytes: data.subarray(base + begin, base + end),
    });
  }
  return { tensors, metadata };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** A floating-point entry as float32 values (F32, F64, F16, BF16). */
export function entryToFloat32(entry: SafetensorsEntry, name: string): Float32Array {
  const { bytes } = entry;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / DTYPE_SIZE[entry.dtype];
  const out = new Float32Array(n);
  switch (entry.dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
      break;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, true);
      break;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(i * 2, true));
      break;
    case 'BF16': {
      const tmp = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) {
        tmp.setUint32(0, dv.getUint16(i * 2, true) << 16);
        out[i] = tmp.getFloat32(0);
      }
      break;
    }
    default:
      throw new Error(`tensor '${name}' has dtype ${entry.dtype}, not a floating-point type`);
  }
  return out;
}
