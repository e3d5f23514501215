// The bench's run records and resume plan: reuse of finished runs, refusal of other settings
// and of mixed code versions, records that do not parse; and the code version itself.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CodeVersion, codeHashOf, codeVersionAt } from '../src/bench/code-version.js';
import { replaceMarkedSection } from '../src/bench/marked-section.js';
import {
  BenchResumeError,
  canonicalJson,
  configHash,
  planResume,
  type RunRecord,
  readRunRecords,
  type WantedRun,
  writeRunRecord,
} from '../src/bench/run-records.js';

const A: CodeVersion = { commit: 'a'.repeat(40), dirty: false, codeHash: 'h1' };
const B: CodeVersion = { commit: 'b'.repeat(40), dirty: true, codeHash: 'h2' };

function record(name: string, seed: number, code = A, hash = 'cfg'): RunRecord {
  const m = { AP: 0.1, AP75: 0.1, APr: 0.05, APc: 0.1, APf: 0.2 };
  return {
    format: 1,
    name,
    seed,
    group: 'loss',
    split: 'val',
    folder: `${name.toLowerCase()}_s${seed}`,
    configFile: 'configs/synth/ce.ts',
    cfgOptions: [`seed=${seed}`],
    configHash: hash,
    code,
    machine: '2 cores',
    finishedAt: '2026-12-01T10:00:00.000Z',
    seconds: 10,
    bbox: m,
    segm: m,
    perClassAp: { bbox: { '1': 0.2 }, segm: {} },
    transfer: {},
  };
}

const want = (name: string, seed: number, hash = 'cfg'): WantedRun => ({
  name,
  seed,
  folder: `${name.toLowerCase()}_s${seed}`,
  configHash: hash,
});

const opts = { resume: true, code: A, allowMixedCommits: false, root: '/w' };

describe('resume plan', () => {
  it('reuses finished runs of the same row, seed and config, and trains the rest in order', () => {
    const plan = planResume(
      [want('CE', 0), want('CE', 1), want('EQLv2', 0)],
      [record('CE', 0), record('Seesaw', 0)],
      opts,
    );
    expect(plan.reuse.map((r) => r.folder)).toEqual(['ce_s0']);
    expect(plan.todo.map((w) => w.folder)).toEqual(['ce_s1', 'eqlv2_s0']);
  });

  it('refuses a work dir with finished runs without --resume', () => {
    expect(() =>
      planResume([want('CE', 0)], [record('CE', 0)], { ...opts, resume: false }),
    ).toThrow(/already holds 1 finished bench run.*--resume/);
    expect(planResume([want('CE', 0)], [], { ...opts, resume: false }).todo).toHaveLength(1);
  });

  it('refuses a finished run whose resolved config differs, naming its record', () => {
    expect(() => planResume([want('CE', 0, 'other')], [record('CE', 0)], opts)).toThrow(
      /runs\/ce_s0\.json: 'CE' seed 0 was run with another resolved config/,
    );
  });

  it('refuses runs from two code versions unless allowed, also against this checkout', () => {
    const mixed = [record('CE', 0, A), record('CE', 1, B)];
    expect(() => planResume([want('CE', 0)], mixed, opts)).toThrow(BenchResumeError);
    expect(() => planResume([want('CE', 0)], mixed, opts)).toThrow(
      /2 code versions \(aaaaaaaaaaaa: 1 finished run\(s\); bbbbbbbbbbbb \(dirty\): 1 finished run\(s\)\).*--allow-mixed-commits/,
    );
    // Everything finished with A, but CE seed 1 would be trained with B.
    expect(() =>
      planResume([want('CE', 0), want('CE', 1)], [record('CE', 0, A)], { ...opts, code: B }),
    ).toThrow(/bbbbbbbbbbbb \(dirty\): this checkout/);
    // Nothing left to train: this checkout's code does not enter the table.
    expect(planResume([want('CE', 0)], [record('CE', 0, A)], { ...opts, code: B }).todo).toEqual(
      [],
    );
    const allowed = planResume([want('CE', 0), want('CE', 2)], mixed, {
      ...opts,
      allowMixedCommits: true,
    });
    expect(allowed.todo.map((w) => w.seed)).toEqual([2]);
  });
});

describe('run records on disk', () => {
  it('round-trips records one file per run and names the file and field of a bad one', async () => {
    const root = mkdtempSync(join(tmpdir(), 'crat-records-'));
    expect(readRunRecords(root)).toEqual([]);
    await writeRunRecord(root, record('CE', 1));
    await writeRunRecord(root, record('CE', 0));
    expect(readRunRecords(root).map((r) => r.folder)).toEqual(['ce_s0', 'ce_s1']);
    const bad = { ...record('CE', 2) } as Record<string, unknown>;
    delete bad.configHash;
    writeFileSync(join(root, 'runs', 'ce_s2.json'), JSON.stringify(bad));
    expect(() => readRunRecords(root)).toThrow(/runs\/ce_s2\.json: configHash: expected a string/);
    writeFileSync(join(root, 'runs', 'ce_s2.json'), '{"format":');
    expect(() => readRunRecords(root)).toThrow(/ce_s2\.json: not JSON/);
  });

  it('hashes configs independently of key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: null }] })).toBe('{"a":[{"c":null,"d":2}],"b":1}');
    expect(configHash({ a: 1, b: { c: 2 } })).toBe(configHash({ b: { c: 2 }, a: 1 }));
    expect(configHash({ a: 1 })).not.toBe(configHash({ a: 2 }));
    // A moved or cloned checkout is the same table: paths inside the checkout count relative.
    const at = (root: string) => ({
      dataset: { train: { annFile: `${root}/data/synth/a.json` }, synth: { outDir: root } },
      loadFrom: '/elsewhere/w.safetensors',
    });
    expect(configHash(at('/work/a'), '/work/a')).toBe(configHash(at('/work/b'), '/work/b'));
    expect(configHash(at('/work/a'), '/work/a')).toBe(
      configHash(
        {
          ...at('/work/a'),
          dataset: { train: { annFile: 'data/synth/a.json' }, synth: { outDir: '.' } },
        },
        '/work/b',
      ),
    );
    expect(configHash(at('/work/a'), '/work/a')).not.toBe(configHash(at('/work/b'), '/work/a'));
    expect(configHash(at('/work/ab'), '/work/a')).not.toBe(configHash(at('/work/b'), '/work/b'));
  });
});

describe('code version', () => {
  const tree = (readme: string, src: string, record = 'b1') =>
    `100644 blob ${readme}\tREADME.md\n100644 blob ${src}\tsrc/a.ts\n100644 blob 11\t.changeset/x.md\n100644 blob ${record}\tbench-results/experiments/runs/eqlv2_s0.json\n`;

  it('ignores documentation and bench-result blobs and counts code blobs and the uncommitted code diff', () => {
    expect(codeHashOf(tree('r1', 's1'), '')).toBe(codeHashOf(tree('r2', 's1'), ''));
    expect(codeHashOf(tree('r1', 's1', 'b1'), '')).toBe(codeHashOf(tree('r1', 's1', 'b2'), ''));
    expect(codeHashOf(tree('r1', 's1'), '')).toBe(
      codeHashOf(tree('r1', 's1').replace(/\n[^\n]*runs\/eqlv2_s0\.json\n$/, '\n'), ''),
    );
    expect(codeHashOf(tree('r1', 's1'), '')).not.toBe(codeHashOf(tree('r1', 's2'), ''));
    expect(codeHashOf(tree('r1', 's1'), '')).not.toBe(codeHashOf(tree('r1', 's1'), '+x'));
  });

  it('reads this checkout, and gives nulls outside one', () => {
    const here = codeVersionAt(__dirname);
    expect(here.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(here.codeHash).toMatch(/^[0-9a-f]{64}$/);
    const outside = mkdtempSync(join(tmpdir(), 'crat-nogit-'));
    mkdirSync(join(outside, 'x'));
    expect(codeVersionAt(join(outside, 'x'))).toEqual({
      commit: null,
      dirty: false,
      codeHash: null,
    });
  });
});

describe('marked section', () => {
  it('replaces the text between the markers and keeps the rest', () => {
    const text = 'intro\n<!-- t:start -->\nold\n<!-- t:end -->\noutro\n';
    expect(replaceMarkedSection(text, 't', 'new table\n', 'README.md')).toBe(
      'intro\n<!-- t:start -->\nnew table\n<!-- t:end -->\noutro\n',
    );
    expect(() => replaceMarkedSection('no markers', 't', 'x', 'README.md')).toThrow(
      /README\.md: expected the marker '<!-- t:start -->' exactly once, found it 0 times/,
    );
    expect(() =>
      replaceMarkedSection('<!-- t:end -->\n<!-- t:start -->', 't', 'x', 'README.md'),
    ).toThrow(/comes before/);
  });
});
