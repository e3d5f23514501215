import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  LVIS,
  LVISEval,
  LVISResults,
  readJsonFile,
  streamTopLevelObject,
  usesStreaming,
} from '../src/index.js';
import { fixtureCases, fixturePath, GT_PATH, loadGtObject, readJson } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'crat-lvis-stream-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function collect(path: string, blockSize: number): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  await streamTopLevelObject(
    path,
    {
      topLevelArrayKey: '[]',
      onArrayItems(key, items) {
        if (!out[key]) out[key] = [];
        for (const it of items) (out[key] as unknown[]).push(it);
      },
      onValue(key, value) {
        out[key] = value;
      },
    },
    blockSize,
  );
  return out;
}

describe('streaming JSON loader', () => {
  it('gives the same dataset as JSON.parse on the fixture, forced on', async () => {
    const parsed = loadGtObject();
    const streamed = await readJsonFile(GT_PATH, { streaming: true });
    expect(streamed).toEqual(parsed);
  });

  it('cuts correctly at any block boundary (tiny blocks, strings with brackets and escapes)', async () => {
    const doc = {
      info: { description: 'a "quoted" } ] , { [ string \\ with \u00e9 and \u{1F600}' },
      images: [
        { id: 1, name: 'x,]}' },
        { id: 2, nested: [[1, [2]], { a: [] }] },
      ],
      empty: [],
      n: 3.5e-7,
      s: 'tail',
    };
    const path = join(tmp, 'tricky.json');
    writeFileSync(path, JSON.stringify(doc, null, 1));
    for (const block of [1, 2, 3, 7, 64]) {
      expect(await collect(path, block)).toEqual(doc);
    }
    const arrPath = join(tmp, 'array.json');
    writeFileSync(arrPath, ' [ {"a": "]"}, 2, [3] ] ');
    expect(await collect(arrPath, 3)).toEqual({ '[]': [{ a: ']' }, 2, [3]] });
    expect(await readJsonFile(arrPath, { streaming: true })).toEqual([{ a: ']' }, 2, [3]]);
  });

  it("cuts blocks at '},{' only where an element ends (not in strings or nested arrays)", async () => {
    const doc = {
      a: [
        { s: '},{"x": [' },
        [{ x: 1 }, { y: 2 }],
        { t: '}, {' },
        { u: [{ v: 1 }, { w: [{}, {}] }] },
      ],
      b: [[{ p: 1 }, { q: 2 }], [{ r: 3 }]],
      c: { d: [{ e: 1 }, { f: 2 }] },
      g: [{ h: 1 }, { i: 2 }, { j: 3 }],
    };
    for (const text of [JSON.stringify(doc), JSON.stringify(doc).replaceAll('},{', '}, {')]) {
      const path = join(tmp, 'cuts.json');
      writeFileSync(path, text);
      const expected = JSON.parse(text);
      for (let block = 1; block <= text.length; block++) {
        expect(await collect(path, block), `block ${block}`).toEqual(expected);
      }
    }
    // The fixture in blocks of every size class: most blocks are handed out whole.
    const parsed = loadGtObject();
    for (const block of [4096, 65_536, 300_001]) {
      expect(await collect(GT_PATH, block)).toEqual(parsed);
    }
  });

  it('names the file, the member and the byte offset of malformed JSON', async () => {
    const path = join(tmp, 'bad.json');
    writeFileSync(path, '{"images": [{"id": 1}, {"id": 2,,}], "annotations": []}');
    await expect(readJsonFile(path, { streaming: true })).rejects.toThrow(
      /bad\.json: malformed JSON in top-level member 'images'.*byte/,
    );
    const truncated = join(tmp, 'truncated.json');
    writeFileSync(truncated, '{"images": [{"id": 1}, {"id": 2');
    await expect(readJsonFile(truncated, { streaming: true })).rejects.toThrow(
      /truncated\.json: unexpected end of file/,
    );
  });

  it('switches to streaming by size', () => {
    expect(usesStreaming(10, { streamingThreshold: 5 })).toBe(true);
    expect(usesStreaming(10, { streamingThreshold: 50 })).toBe(false);
    expect(usesStreaming(10, { streaming: true })).toBe(true);
    expect(usesStreaming(1e12, { streaming: false })).toBe(false);
  });

  it('evaluates identically after streaming the ground truth and the results', async () => {
    const name = fixtureCases()[0];
    const gtA = await LVIS.load(GT_PATH, { streaming: false });
    const gtB = await LVIS.load(GT_PATH, { streaming: true });
    const resPath = fixturePath(`results_${name}.json`);
    const a = new LVISEval(
      gtA,
      await LVISResults.load(gtA, resPath, { streaming: false }),
      'bbox',
    ).report();
    const b = new LVISEval(
      gtB,
      await LVISResults.load(gtB, resPath, { streaming: true }),
      'bbox',
    ).report();
    expect(b).toEqual(a);
    expect(readJson<unknown[]>(resPath).length).toBe(
      ((await readJsonFile(resPath, { streaming: true })) as unknown[]).length,
    );
  });
});
