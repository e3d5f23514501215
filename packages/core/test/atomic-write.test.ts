import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AtomicWriteError, writeFileAtomic, writeJsonAtomic } from '../src/index.js';

const freshDir = () => mkdtempSync(join(tmpdir(), 'crat-atomic-'));

describe('writeFileAtomic', () => {
  it('writes text and bytes, replaces an existing file, and leaves no temporary file', async () => {
    const dir = freshDir();
    const text = join(dir, 'a.txt');
    await writeFileAtomic(text, 'héllo\n');
    expect(readFileSync(text, 'utf8')).toBe('héllo\n');
    await writeFileAtomic(text, 'second');
    expect(readFileSync(text, 'utf8')).toBe('second');
    const bin = join(dir, 'w.bin');
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) & 255);
    await writeFileAtomic(bin, bytes);
    expect(new Uint8Array(readFileSync(bin))).toEqual(bytes);
    expect(readdirSync(dir).sort()).toEqual(['a.txt', 'w.bin']);
  });

  it('concurrent writes to one target each land whole, with no temporary file left', async () => {
    const dir = freshDir();
    const target = join(dir, 'x.json');
    const bodies = Array.from({ length: 8 }, (_, i) => String(i).repeat(10_000 + i));
    await Promise.all(bodies.map((b) => writeFileAtomic(target, b)));
    expect(bodies).toContain(readFileSync(target, 'utf8'));
    expect(readdirSync(dir)).toEqual(['x.json']);
  });

  it('a failed rename keeps the old file and removes the temporary file', async () => {
    const dir = freshDir();
    // A non-empty folder at the target: the temporary file is written, the rename fails.
    const target = join(dir, 'taken');
    mkdirSync(target);
    writeFileSync(join(target, 'inside'), 'x');
    const err = await writeFileAtomic(target, 'data').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtomicWriteError);
    expect((err as AtomicWriteError).message).toMatch(/^cannot write .*taken: /);
    expect((err as AtomicWriteError).path).toBe(target);
    expect(typeof (err as AtomicWriteError).code).toBe('string');
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readdirSync(target)).toEqual(['inside']);
  });

  it('a missing folder is an error naming the target, and writes nothing', async () => {
    const dir = freshDir();
    const target = join(dir, 'no-such-folder', 'f.txt');
    await expect(writeFileAtomic(target, 'x')).rejects.toThrowError(
      /cannot write .*no-such-folder\/f\.txt: .*ENOENT/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('writeJsonAtomic', () => {
  it('writes JSON plus a newline, one line by default or with the indent asked for', async () => {
    const dir = freshDir();
    const value = { a: [1, 2], b: { c: 'd' } };
    await writeJsonAtomic(join(dir, 'flat.json'), value);
    await writeJsonAtomic(join(dir, 'two.json'), value, 2);
    expect(readFileSync(join(dir, 'flat.json'), 'utf8')).toBe(`${JSON.stringify(value)}\n`);
    expect(readFileSync(join(dir, 'two.json'), 'utf8')).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });
});
