// The torchvision parity fixture's three checkpoints: every tensor loads with the values the file holds, and the files agree with each other.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixturesDir } from '@crat/test-fixtures';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  float16BitsToFloat32,
  float32ToFloat16Bits,
  numelOf,
  readTorchCheckpoint,
  type TorchCheckpoint,
  type TorchTensor,
  torchvisionMaskRcnnToMmdet,
  torchvisionResnetToMmdet,
} from '../src/index.js';

const dir = join(fixturesDir(), 'torchvision');
const FILES = {
  torchvision: 'maskrcnn_r18_fpn64_torchvision.pth',
  mmdet: 'maskrcnn_r18_fpn64_mmdet.pth',
  legacy: 'resnet18_stem_layer1_legacy.pth',
} as const;

/**
 * What torch.load read from the seed-1 files (make-vectors.py): per tensor the sha256 of its
 * C-contiguous little-endian bytes.
 */
const digests = JSON.parse(
  readFileSync(fileURLToPath(new URL('./vectors/fixture-digests.json', import.meta.url)), 'utf8'),
) as {
  files: Record<
    string,
    { sha256: string; tensors: Record<string, { dtype: string; shape: number[]; sha256: string }> }
  >;
};

const sha256 = (bytes: ArrayBufferView) =>
  createHash('sha256')
    .update(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    .digest('hex');

const ckpt = {} as Record<keyof typeof FILES, TorchCheckpoint>;

/** Which fixture files are the seed-1 ones the digests describe (decided before tests are collected). */
const isDigested = Object.fromEntries(
  Object.entries(FILES).map(([k, name]) => [
    k,
    sha256(readFileSync(join(dir, name))) === digests.files[name].sha256,
  ]),
) as Record<keyof typeof FILES, boolean>;

beforeAll(async () => {
  for (const [k, name] of Object.entries(FILES) as [keyof typeof FILES, string][]) {
    ckpt[k] = await readTorchCheckpoint(join(dir, name));
  }
});

function expectWellFormed(c: TorchCheckpoint, dtype: string): void {
  expect(c.tensors.size).toBeGreaterThan(0);
  for (const [name, t] of c.tensors) {
    expect(t.dtype, name).toBe(dtype);
    expect(t.data.length, name).toBe(numelOf(t.shape));
    expect(t.shape.length, name).toBeGreaterThan(0);
  }
}

describe('every tensor loads', () => {
  it('torchvision state dict: zip, bare, float32, torchvision names', () => {
    const c = ckpt.torchvision;
    expect([c.format, c.stateDictKey]).toEqual(['zip', null]);
    expectWellFormed(c, 'float32');
    for (const name of c.tensors.keys()) {
      expect(name).toMatch(/^(backbone\.(body|fpn)|rpn\.head|roi_heads)\./);
    }
  });

  it('mmdetection checkpoint: zip, {meta, state_dict}, float16, mmdetection names', () => {
    const c = ckpt.mmdet;
    expect([c.format, c.stateDictKey]).toEqual(['zip', 'state_dict']);
    expectWellFormed(c, 'float16');
    for (const name of c.tensors.keys())
      expect(name).toMatch(/^(backbone|neck|rpn_head|roi_head)\./);
    const meta = c.meta as Map<string, unknown>;
    expect(typeof meta.get('mmdet_version')).toBe('string');
    const classes = meta.get('CLASSES') as string[];
    expect(classes.length).toBe(c.tensors.get('roi_head.mask_head.conv_logits.weight')!.shape[0]);
  });

  it('legacy ResNet stem + layer1: pre-1.6 format, float32, ImageNet names', () => {
    const c = ckpt.legacy;
    expect([c.format, c.stateDictKey]).toEqual(['legacy', null]);
    expectWellFormed(c, 'float32');
    for (const name of c.tensors.keys()) expect(name).toMatch(/^(conv1|bn1|layer1)\./);
  });

  // A held-out fixture set has other files (other hashes): there the cross-file checks below
  // still hold, and these are skipped.
  for (const [key, name] of Object.entries(FILES) as [keyof typeof FILES, string][]) {
    it.runIf(isDigested[key])(`${name}: values equal what torch.load reads, byte for byte`, () => {
      const known = digests.files[name];
      const c = ckpt[key];
      expect([...c.tensors.keys()]).toEqual(Object.keys(known.tensors));
      for (const [tensor, want] of Object.entries(known.tensors)) {
        const t = c.tensors.get(tensor)!;
        expect([t.dtype, t.shape], tensor).toEqual([want.dtype, want.shape]);
        expect(sha256(t.data), tensor).toBe(want.sha256);
      }
    });
  }
});

function expectSameValues(a: TorchTensor, b: TorchTensor, what: string): void {
  expect(a.shape, what).toEqual(b.shape);
  expect(sha256(a.data), what).toBe(sha256(b.data));
}

describe('the three files hold the same weights', () => {
  it('the legacy stem and layer1 are the torchvision backbone body, exactly', () => {
    for (const [name, t] of ckpt.legacy.tensors) {
      const tv = ckpt.torchvision.tensors.get(`backbone.body.${name}`);
      expect(tv, name).toBeDefined();
      expectSameValues(t, tv!, name);
    }
  });

  it('torchvision names map onto exactly the mmdetection names and shapes', () => {
    const { tensors, dropped, unmapped } = torchvisionMaskRcnnToMmdet(ckpt.torchvision.tensors);
    expect(unmapped).toEqual([]);
    expect(dropped.every((n) => n.endsWith('num_batches_tracked'))).toBe(true);
    expect(new Set(tensors.keys())).toEqual(new Set(ckpt.mmdet.tensors.keys()));
    for (const [name, t] of tensors) {
      expect(t.shape, name).toEqual(ckpt.mmdet.tensors.get(name)!.shape);
    }
  });

  it('mapped torchvision float32 values are the mmdetection float16 values (rounded to float16, widened back exactly)', () => {
    const { tensors } = torchvisionMaskRcnnToMmdet(ckpt.torchvision.tensors);
    for (const [name, t] of tensors) {
      const f32 = t.data as Float32Array;
      const f16 = ckpt.mmdet.tensors.get(name)!.data as Uint16Array;
      for (let i = 0; i < f32.length; i++) {
        if (float32ToFloat16Bits(f32[i]) !== f16[i] || float16BitsToFloat32(f16[i]) !== f32[i]) {
          expect.fail(
            `${name}[${i}]: torchvision ${f32[i]}, mmdetection float16 ${float16BitsToFloat32(f16[i])}`,
          );
        }
      }
    }
  });

  it('the ImageNet-named legacy file maps into the backbone as mmdetection names it', () => {
    const { tensors, unmapped } = torchvisionResnetToMmdet(ckpt.legacy.tensors);
    expect(unmapped).toEqual([]);
    expect(tensors.size).toBe(ckpt.legacy.tensors.size);
    for (const [name, t] of tensors) {
      const mm = ckpt.mmdet.tensors.get(name);
      expect(mm, name).toBeDefined();
      expect(t.shape, name).toEqual(mm!.shape);
    }
  });
});
