// Small checkpoints written by torch.save (every dtype, views, both formats, protocols 1/2/4, big-endian): read as torch.load reads them.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  type NamespaceValue,
  parseTorchCheckpoint,
  readTorchCheckpoint,
  readTorchCheckpointSync,
  readTorchFile,
  type TorchTensor,
} from '../src/index.js';
import { zip64Archive } from './crafted-files.js';

const vectors = fileURLToPath(new URL('./vectors/', import.meta.url));

interface ExpectedTensor {
  dtype: string;
  shape: number[];
  /** Floats (non-finite as 'inf' / '-inf' / 'nan'), int64 as decimal strings, bool as 0/1. */
  values: (number | string)[];
}

const expected = JSON.parse(readFileSync(`${vectors}expected.json`, 'utf8')) as {
  files: Record<string, Record<string, ExpectedTensor>>;
};

/** The tensor's values as numbers / decimal strings, element for element like `ExpectedTensor.values`. */
function valuesOf(t: TorchTensor): (number | string)[] {
  switch (t.dtype) {
    case 'int64':
      return Array.from(t.data, (v) => v.toString());
    case 'float16':
      return Array.from(t.data, float16BitsToFloat32);
    case 'bfloat16':
      return Array.from(t.data, bfloat16BitsToFloat32);
    default:
      return Array.from(t.data as ArrayLike<number>);
  }
}

const asExpected = (v: number | string) =>
  v === 'inf'
    ? Number.POSITIVE_INFINITY
    : v === '-inf'
      ? Number.NEGATIVE_INFINITY
      : v === 'nan'
        ? Number.NaN
        : v;

describe.each(Object.keys(expected.files))('%s', (name) => {
  it('holds every tensor torch.load reads, bit for bit', async () => {
    const ckpt = await readTorchCheckpoint(`${vectors}${name}`);
    const want = expected.files[name];
    expect([...ckpt.tensors.keys()]).toEqual(Object.keys(want));
    for (const [key, w] of Object.entries(want)) {
      const t = ckpt.tensors.get(key)!;
      expect(t.dtype, key).toBe(w.dtype);
      expect(t.shape, key).toEqual(w.shape);
      expect(t.data.length, key).toBe(w.values.length);
      const got = valuesOf(t);
      // Object.is tells -0 from 0 and matches NaN with NaN.
      w.values.forEach((v, i) => {
        if (!Object.is(got[i], asExpected(v))) {
          expect.fail(`${name} ${key}[${i}]: got ${String(got[i])}, torch reads ${String(v)}`);
        }
      });
    }
  });
});

describe('formats and containers', () => {
  it('tells the formats apart', async () => {
    expect((await readTorchFile(`${vectors}views.pth`)).format).toBe('zip');
    expect((await readTorchFile(`${vectors}views-legacy.pth`)).format).toBe('legacy');
    expect((await readTorchFile(`${vectors}views-protocol1-legacy.pth`)).format).toBe('legacy');
  });

  it('views of one storage keep their own data; a whole contiguous storage is not copied', async () => {
    const { tensors } = await readTorchCheckpoint(`${vectors}views.pth`);
    const slice = tensors.get('f32_strided_slice')!;
    const offsetView = tensors.get('f32_offset_view')!;
    expect(slice.data.buffer).not.toBe(offsetView.data.buffer);
    expect(Array.from(slice.data as Float32Array)).toEqual([2, 5, 8, 11, 14, 17]);
  });

  it('mmdetection {meta, state_dict}: meta is read as data', async () => {
    const ckpt = await readTorchCheckpoint(`${vectors}mmdet-style.pth`);
    expect(ckpt.stateDictKey).toBe('state_dict');
    const meta = ckpt.meta as Map<string, unknown>;
    expect(meta.get('mmdet_version')).toBe('2.28.2');
    expect(meta.get('CLASSES')).toEqual(['cat', 'dog']);
    expect(meta.get('epoch')).toBe(12);
  });

  it('detectron2-style {model}', async () => {
    const ckpt = await readTorchCheckpoint(`${vectors}detectron2-style.pth`);
    expect(ckpt.stateDictKey).toBe('model');
    expect((ckpt.root as Map<string, unknown>).get('iteration')).toBe(5);
  });

  it("torchvision reference scripts' {model, args: argparse.Namespace}", async () => {
    const ckpt = await readTorchCheckpoint(`${vectors}torchvision-reference-style.pth`);
    expect(ckpt.stateDictKey).toBe('model');
    const args = (ckpt.root as Map<string, unknown>).get('args') as NamespaceValue;
    expect(args.kind).toBe('namespace');
    expect(args.attributes.get('lr')).toBe(0.02);
    expect(args.attributes.get('epochs')).toBe(26);
  });

  it("DataParallel's module. prefix is removed, as mmcv does", async () => {
    const ckpt = await readTorchCheckpoint(`${vectors}dataparallel-style.pth`);
    expect([...ckpt.tensors.keys()]).toEqual(['backbone.conv1.weight', 'neck.bias']);
  });

  it('reads the same tensors from a DEFLATE-compressed and from a zip64 copy of the archive', async () => {
    const plain = await readTorchCheckpoint(`${vectors}views.pth`);
    const entries = unzipSync(readFileSync(`${vectors}views.pth`));
    for (const copy of [zipSync(entries, { level: 6 }), zip64Archive(entries)]) {
      const { tensors } = parseTorchCheckpoint(copy, 'copy.pth');
      expect([...tensors.keys()]).toEqual([...plain.tensors.keys()]);
      for (const [k, t] of tensors) {
        expect(t.shape, k).toEqual(plain.tensors.get(k)!.shape);
        expect(Array.from(t.data as ArrayLike<unknown>), k).toEqual(
          Array.from(plain.tensors.get(k)!.data as ArrayLike<unknown>),
        );
      }
    }
  });

  it('the synchronous reader gives what the asynchronous one does', async () => {
    const a = readTorchCheckpointSync(`${vectors}views-legacy.pth`);
    const b = await readTorchCheckpoint(`${vectors}views-legacy.pth`);
    expect([...a.tensors.keys()]).toEqual([...b.tensors.keys()]);
    expect(Array.from(a.tensors.get('f32_permuted')!.data as Float32Array)).toEqual(
      Array.from(b.tensors.get('f32_permuted')!.data as Float32Array),
    );
  });

  it('reads from bytes as from a path', async () => {
    const bytes = readFileSync(`${vectors}views-legacy.pth`);
    const fromBytes = await readTorchCheckpoint(new Uint8Array(bytes));
    expect(fromBytes.file).toBe('<bytes>');
    expect([...fromBytes.tensors.keys()]).toEqual(Object.keys(expected.files['views-legacy.pth']));
  });
});
