// Hostile pickles: every global outside the allow-list is refused by name, and nothing they name runs.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allowedGlobalNames, parseTorchCheckpoint, parseTorchFile } from '../src/index.js';
import { checkpointErrorOf, legacyCheckpoint, op, pickle, zipCheckpoint } from './crafted-files.js';

const dir = mkdtempSync(join(tmpdir(), 'torch-checkpoint-safety-'));
const sentinel = join(dir, 'pwned');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `posix.system('touch <sentinel>')` as `pickle.dumps` writes it for a `__reduce__` payload. */
const systemCall = (module: string, name: string) =>
  pickle(
    op.PROTO(2),
    op.GLOBAL(module, name),
    op.BINUNICODE(`touch ${sentinel}`),
    op.TUPLE1,
    op.REDUCE,
    op.STOP,
  );

describe('unknown globals are refused, naming the global and the file', () => {
  it.each([
    ['posix', 'system'],
    ['os', 'system'],
    ['nt', 'system'],
    ['builtins', 'eval'],
    ['builtins', 'exec'],
    ['builtins', 'getattr'],
    ['subprocess', 'Popen'],
    ['torch.storage', '_load_from_bytes'],
    ['torch', 'load'],
  ])('GLOBAL %s.%s + REDUCE in a zip checkpoint', (module, name) => {
    const err = checkpointErrorOf(() =>
      parseTorchFile(zipCheckpoint(systemCall(module, name)), 'evil.pth'),
    );
    expect(err.message).toContain(`'${module}.${name}'`);
    expect(err.message).toContain('evil.pth');
    expect(err.message).toContain('archive/data.pkl');
    expect(err.record).toBe('archive/data.pkl');
    expect(existsSync(sentinel)).toBe(false);
  });

  it('in the legacy format, with the byte offset of the GLOBAL', () => {
    const err = checkpointErrorOf(() =>
      parseTorchFile(legacyCheckpoint(systemCall('posix', 'system')), 'old.pth'),
    );
    expect(err.message).toMatch(
      /^old\.pth: object pickle: byte \d+: GLOBAL: global 'posix\.system' is not allowed/,
    );
    expect(existsSync(sentinel)).toBe(false);
  });

  it('through STACK_GLOBAL (protocol 4)', () => {
    const evil = pickle(
      op.PROTO(4),
      op.BINUNICODE('os'),
      op.BINUNICODE('system'),
      op.STACK_GLOBAL,
      op.BINUNICODE(`touch ${sentinel}`),
      op.TUPLE1,
      op.REDUCE,
      op.STOP,
    );
    const err = checkpointErrorOf(() => parseTorchFile(zipCheckpoint(evil), 'evil4.pth'));
    expect(err.message).toContain("'os.system'");
    expect(existsSync(sentinel)).toBe(false);
  });

  it('through INST and OBJ (protocol 0/1 class instances)', () => {
    const inst = pickle(
      op.MARK,
      op.BINUNICODE(`touch ${sentinel}`),
      op.INST('posix', 'system'),
      op.STOP,
    );
    expect(checkpointErrorOf(() => parseTorchFile(zipCheckpoint(inst))).message).toContain(
      "'posix.system'",
    );
    const obj = pickle(
      op.MARK,
      op.GLOBAL('subprocess', 'Popen'),
      op.BINUNICODE('id'),
      op.OBJ,
      op.STOP,
    );
    expect(checkpointErrorOf(() => parseTorchFile(zipCheckpoint(obj))).message).toContain(
      "'subprocess.Popen'",
    );
    expect(existsSync(sentinel)).toBe(false);
  });

  it('even when the global is only named, never called', () => {
    const named = pickle(op.PROTO(2), op.GLOBAL('posix', 'system'), op.STOP);
    expect(checkpointErrorOf(() => parseTorchFile(zipCheckpoint(named))).message).toContain(
      "'posix.system'",
    );
  });

  it('a whole pickled module (not its state_dict) is refused by its class name', () => {
    const model = pickle(
      op.PROTO(2),
      op.GLOBAL('torchvision.models.detection.mask_rcnn', 'MaskRCNN'),
      op.EMPTY_TUPLE,
      op.NEWOBJ,
      op.STOP,
    );
    const err = checkpointErrorOf(() => parseTorchFile(zipCheckpoint(model), 'model.pth'));
    expect(err.message).toContain("'torchvision.models.detection.mask_rcnn.MaskRCNN'");
    expect(err.message).toContain('state_dict()');
  });
});

describe('nothing but an allowed global can be called or given state', () => {
  it('REDUCE on a string is refused', () => {
    const p = pickle(op.PROTO(2), op.BINUNICODE('system'), op.EMPTY_TUPLE, op.REDUCE, op.STOP);
    expect(checkpointErrorOf(() => parseTorchFile(zipCheckpoint(p))).message).toMatch(
      /REDUCE: REDUCE needs an allowed callable global, got str/,
    );
  });

  it('a storage type or dtype global is not callable', () => {
    const p = pickle(
      op.PROTO(2),
      op.GLOBAL('torch', 'FloatStorage'),
      op.EMPTY_TUPLE,
      op.REDUCE,
      op.STOP,
    );
    expect(checkpointErrorOf(() => parseTorchFile(zipCheckpoint(p))).message).toContain(
      'needs an allowed callable global',
    );
  });

  it('BUILD on an allowed global is refused (the allow-list is frozen)', () => {
    const p = pickle(
      op.PROTO(2),
      op.GLOBAL('collections', 'OrderedDict'),
      op.EMPTY_DICT,
      op.BINUNICODE('call'),
      op.NONE,
      op.SETITEM,
      op.BUILD,
      op.STOP,
    );
    expect(checkpointErrorOf(() => parseTorchFile(zipCheckpoint(p))).message).toContain(
      'BUILD (set state) on global collections.OrderedDict',
    );
  });

  it('_codecs.encode only makes latin1 bytes', () => {
    const p = pickle(
      op.PROTO(2),
      op.GLOBAL('_codecs', 'encode'),
      op.BINUNICODE('x'),
      op.BINUNICODE('rot13'),
      op.TUPLE2,
      op.REDUCE,
      op.STOP,
    );
    expect(checkpointErrorOf(() => parseTorchFile(zipCheckpoint(p))).message).toContain(
      "only (str, 'latin1')",
    );
  });

  it('extension codes and out-of-band buffers are refused', () => {
    expect(
      checkpointErrorOf(() =>
        parseTorchFile(zipCheckpoint(pickle(op.PROTO(2), op.EXT1(1), op.STOP))),
      ).message,
    ).toContain('EXT1: extension registry codes name arbitrary globals: refused');
    expect(
      checkpointErrorOf(() => parseTorchFile(zipCheckpoint(pickle(op.PROTO(5), [0x97], op.STOP))))
        .message,
    ).toContain('NEXT_BUFFER');
  });

  it('a huge int cannot stall the reader', () => {
    const long4 = [0x8b, 0x00, 0x00, 0x10, 0x00, ...new Array(0x100000).fill(0x7f)];
    expect(
      checkpointErrorOf(() => parseTorchFile(zipCheckpoint(pickle(op.PROTO(2), long4, op.STOP))))
        .message,
    ).toContain('an int of 1048576 bytes (more than 256) is not checkpoint data');
  });

  it('a __proto__ key stays a dict key and pollutes no prototype', () => {
    const p = pickle(
      op.PROTO(2),
      op.EMPTY_DICT,
      op.BINUNICODE('__proto__'),
      op.EMPTY_DICT,
      op.SETITEM,
      op.STOP,
    );
    const { root } = parseTorchFile(zipCheckpoint(p));
    expect(root).toBeInstanceOf(Map);
    expect((root as Map<unknown, unknown>).has('__proto__')).toBe(true);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('the allow-list holds only rebuild functions, containers and torch types', () => {
    const names = allowedGlobalNames();
    for (const n of names) {
      expect(n).toMatch(
        /^(torch\.|torch\.cuda\.|torch\._utils\.|torch\._tensor\.|collections\.OrderedDict$|builtins\.(set|frozenset)$|__builtin__\.(set|frozenset)$|_codecs\.encode$|argparse\.Namespace$)/,
      );
    }
    expect(names).not.toContain('torch.load');
    expect(names).toContain('torch._utils._rebuild_tensor_v2');
  });
});

it('a checkpoint object without a state dict says which keys it has', () => {
  const p = pickle(
    op.PROTO(2),
    op.EMPTY_DICT,
    op.BINUNICODE('epoch'),
    op.BININT1(3),
    op.SETITEM,
    op.STOP,
  );
  const err = checkpointErrorOf(() => parseTorchCheckpoint(zipCheckpoint(p), 'nostate.pth'));
  expect(err.message).toContain(
    "nostate.pth: object: no state dict: the top-level dict has keys ['epoch']",
  );
});
