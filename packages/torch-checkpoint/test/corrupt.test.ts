// Truncated, corrupt and foreign files fail with an error that names the file and the record.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixturesDir } from '@crat/test-fixtures';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseTorchCheckpoint, parseTorchFile, readTorchCheckpoint } from '../src/index.js';
import {
  checkpointErrorOf,
  legacyCheckpoint,
  op,
  pickle,
  rebuildTensor,
  storagePid,
  zipCheckpoint,
} from './crafted-files.js';

const fixtures = join(fixturesDir(), 'torchvision');
const vectors = fileURLToPath(new URL('./vectors/', import.meta.url));

describe('truncated fixture files', () => {
  it('a zip checkpoint cut in half', () => {
    const bytes = readFileSync(join(fixtures, 'maskrcnn_r18_fpn64_torchvision.pth'));
    const err = checkpointErrorOf(() =>
      parseTorchFile(bytes.subarray(0, bytes.length >> 1), 'half.pth'),
    );
    expect(err.message).toMatch(
      /^half\.pth: zip directory: cannot read the archive .*truncated or corrupt/,
    );
  });

  it('a legacy checkpoint cut inside its storages names the storage', () => {
    const bytes = readFileSync(join(fixtures, 'resnet18_stem_layer1_legacy.pth'));
    const err = checkpointErrorOf(() =>
      parseTorchFile(bytes.subarray(0, bytes.length - 100), 'cut.pth'),
    );
    expect(err.record).toMatch(/^storage /);
    expect(err.message).toMatch(
      /^cut\.pth: storage \S+: truncated: storage data needs \d+ byte\(s\).*\(the file is truncated\)$/,
    );
  });

  it('a legacy checkpoint cut inside its object pickle names the pickle and the byte', () => {
    const bytes = readFileSync(join(fixtures, 'resnet18_stem_layer1_legacy.pth'));
    const err = checkpointErrorOf(() => parseTorchFile(bytes.subarray(0, 400), 'short.pth'));
    expect(err.message).toMatch(/^short\.pth: object pickle: byte \d+: [^:]+: truncated/);
  });

  it('readTorchCheckpoint names the path', async () => {
    await expect(readTorchCheckpoint(join(fixtures, 'no-such-file.pth'))).rejects.toThrow(
      /no-such-file\.pth: file: cannot be read: ENOENT/,
    );
  });
});

describe('corrupt archives', () => {
  const real = unzipSync(readFileSync(join(vectors, 'views.pth')));

  it('a storage record missing from the archive', () => {
    const without = Object.fromEntries(Object.entries(real).filter(([n]) => n !== 'views/data/0'));
    const err = checkpointErrorOf(() =>
      parseTorchFile(zipSync(without, { level: 0 }), 'missing.pth'),
    );
    expect(err.message).toBe('missing.pth: views/data/0: the record is missing from the archive');
  });

  it('a storage record shorter than its tensor', () => {
    const short = { ...real, 'views/data/0': real['views/data/0'].subarray(0, 8) };
    const err = checkpointErrorOf(() => parseTorchFile(zipSync(short, { level: 0 }), 'short.pth'));
    expect(err.record).toBe('storage 0');
    expect(err.message).toMatch(
      /reaches element \d+, but the storage holds 2 float32 element\(s\)/,
    );
  });

  it('garbage in data.pkl names the opcode byte', () => {
    const pkl = Object.keys(real).find((n) => n.endsWith('data.pkl'))!;
    const bad = { ...real, [pkl]: Uint8Array.from([0x80, 0x02, 0xff]) };
    const err = checkpointErrorOf(() => parseTorchFile(zipSync(bad, { level: 0 }), 'bad.pth'));
    expect(err.message).toBe(
      'bad.pth: views/data.pkl: byte 2: opcode 0xff: unknown opcode (corrupt pickle, or not a pickle)',
    );
  });

  it('a tensor view beyond its storage names the tensor', () => {
    const p = pickle(
      op.PROTO(2),
      op.EMPTY_DICT,
      op.BINUNICODE('w'),
      ...rebuildTensor(storagePid('FloatStorage', '0', 4), 1, [2, 2], [2, 1]),
      op.SETITEM,
      op.STOP,
    );
    const err = checkpointErrorOf(() =>
      parseTorchFile(zipCheckpoint(p, { '0': new Uint8Array(16) }), 'view.pth'),
    );
    expect(err.message).toMatch(
      /^view\.pth: storage 0: root\.w: the view \(offset 1, size \[2,2\], stride \[2,1\]\) reaches element 4/,
    );
  });

  it('a DEFLATE record claiming an impossible size is refused before anything is allocated', () => {
    const zip = zipSync(
      { 'archive/data.pkl': pickle(op.PROTO(2), op.NONE, op.STOP) },
      { level: 6 },
    );
    const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    let at = zip.length - 22;
    while (view.getUint32(at, true) !== 0x02014b50) at--; // the (only) central directory entry
    view.setUint32(at + 24, 0xfffffff0, true);
    const err = checkpointErrorOf(() => parseTorchFile(zip, 'bomb.pth'));
    expect(err.message).toMatch(
      /^bomb\.pth: archive\/data\.pkl: claims 4294967280 bytes from \d+ compressed: corrupt$/,
    );
  });

  it('a zip that torch did not write, and a TorchScript archive', () => {
    const plain = zipSync({ 'readme.txt': new Uint8Array(3) });
    expect(checkpointErrorOf(() => parseTorchFile(plain, 'other.zip')).message).toContain(
      'no <name>/data.pkl record',
    );
    const script = zipSync({
      'm/data.pkl': pickle(op.NONE, op.STOP),
      'm/constants.pkl': new Uint8Array(1),
    });
    expect(checkpointErrorOf(() => parseTorchFile(script, 'scripted.pt')).message).toContain(
      'a TorchScript archive',
    );
  });
});

describe('files that are not checkpoints', () => {
  it('empty, text, tar', () => {
    expect(checkpointErrorOf(() => parseTorchFile(new Uint8Array(0), 'empty.pth')).message).toBe(
      'empty.pth: file: is empty',
    );
    expect(
      checkpointErrorOf(() => parseTorchFile(new TextEncoder().encode('{"a": 1}'), 'x.json'))
        .message,
    ).toContain(
      'x.json: file: is not a PyTorch checkpoint: neither a zip archive nor a pickle (first bytes 7b 22 61 22)',
    );
    const tar = new Uint8Array(1024);
    tar.set(new TextEncoder().encode('ustar'), 257);
    expect(checkpointErrorOf(() => parseTorchFile(tar, 'old.tar')).message).toContain(
      'a tar archive',
    );
  });

  it('a pickle that is not a torch.save file', () => {
    const p = pickle(op.PROTO(2), op.BININT1(7), op.STOP);
    expect(checkpointErrorOf(() => parseTorchFile(p, 'plain.pkl')).message).toBe(
      'plain.pkl: magic number: a pickle, but not a torch.save file (magic 7, expected 119547037146038801333356)',
    );
  });

  it('a legacy object pickle that is not a dict of tensors', () => {
    const err = checkpointErrorOf(() =>
      parseTorchCheckpoint(legacyCheckpoint(pickle(op.PROTO(2), op.NONE, op.STOP)), 'none.pth'),
    );
    expect(err.message).toBe('none.pth: object: holds None, not a dict: no state dict to read');
  });
});
