// `crat bench experiments` end to end on the tiny set with the stand-in detector: runs recorded
// one file each, --resume training only the missing ones (a killed run's folder replaced, the
// finished ones left alone), the refusal to mix code versions, and the README section written.

import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentSpec } from '../src/bench/experiment-specs.js';
import { type ExperimentsOptions, runExperiments } from '../src/bench/experiments.js';
import { readRunRecords } from '../src/bench/run-records.js';
import { fakeDetectorBackend } from './helpers/fake-detector.js';
import { writeTinyConfig } from './helpers/tiny-config.js';

let root: string;
let specs: ExperimentSpec[];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'crat-bench-'));
  const config = writeTinyConfig(root);
  // Named as the default pipeline's pair, so the per-class view is drawn for them.
  specs = [
    { name: 'EQLv2', config, group: 'loss', cfgOptions: ['transfers=[]'] },
    { name: 'EQLv2 + CRAT', config, group: 'loss', pairedWith: 'EQLv2' },
  ];
  writeFileSync(
    join(root, 'README.md'),
    '# x\n\n<!-- bench-experiments:start -->\nold\n<!-- bench-experiments:end -->\n\nafter\n',
  );
});

function bench(o: Partial<ExperimentsOptions>, logs: string[] = []) {
  return runExperiments({
    budget: 4,
    seeds: 1,
    out: join(root, 'out.md'),
    workDir: join(root, 'bench'),
    valImages: 4,
    backend: 'cpu',
    cwd: root,
    specs,
    detector: fakeDetectorBackend(),
    progress: false,
    log: (m) => logs.push(m),
    ...o,
  });
}

describe('crat bench experiments --resume', () => {
  it('records each run, resumes with the missing ones only, and refuses mixed code', async () => {
    const logs1: string[] = [];
    await bench({ only: ['+ CRAT'] }, logs1);
    expect(logs1.join('\n')).toContain('1 runs planned');
    const first = readRunRecords(join(root, 'bench'));
    expect(first.map((r) => [r.name, r.seed])).toEqual([['EQLv2 + CRAT', 0]]);
    const rec = first[0]!;
    expect(rec.cfgOptions).toContain('seed=0');
    expect(rec.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(rec.transfer.bbox).toHaveLength(4);
    expect(Object.keys(rec.perClassAp.bbox).length).toBeGreaterThan(0);
    const finishedFile = join(root, 'bench', rec.folder, 'config.json');
    const mtime = statSync(finishedFile).mtimeMs;

    // Without --resume a work dir with finished runs is refused.
    await expect(bench({})).rejects.toThrow(/already holds 1 finished bench run/);

    // A run killed with -9 leaves a folder without a record: --resume replaces it.
    mkdirSync(join(root, 'bench', 'eqlv2_s0'), { recursive: true });
    writeFileSync(join(root, 'bench', 'eqlv2_s0', 'metrics.jsonl'), '{"iter":1}\n');
    const logs2: string[] = [];
    const md = await bench({ resume: true, readme: join(root, 'README.md') }, logs2);
    expect(logs2.join('\n')).toContain('2 runs planned');
    expect(logs2.join('\n')).toContain('1 finished (reused), 1 to train');
    expect(logs2.filter((l) => l.startsWith('['))).toEqual([
      expect.stringMatching(/^\[1\/1\] EQLv2, seed 0/),
    ]);
    expect(statSync(finishedFile).mtimeMs).toBe(mtime);
    expect(readRunRecords(join(root, 'bench')).map((r) => r.name)).toEqual([
      'EQLv2 + CRAT',
      'EQLv2',
    ]);
    expect(md).toContain('| EQLv2 + CRAT vs EQLv2 | 1 |');
    expect(md).toContain('first 4 of 8 synth val images');
    expect(md).toContain('Same-family share:');
    // No mode or variant row ran: those tables are left out rather than showing a copy.
    expect(md).not.toContain('CRAT modes on EQLv2');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('<!-- bench-experiments:start -->\n### Experiments');
    expect(readme).toContain('<!-- bench-experiments:end -->\n\nafter\n');
    expect(readFileSync(join(root, 'out.md'), 'utf8')).toBe(md);

    // Everything finished: a rerun trains nothing.
    const logs3: string[] = [];
    await bench({ resume: true }, logs3);
    expect(logs3.join('\n')).toContain('2 finished (reused), 0 to train');

    // A record made with other code: refused, unless mixing is allowed.
    const file = join(root, 'bench', 'runs', `${rec.folder}.json`);
    const edited = { ...rec, code: { commit: 'f'.repeat(40), dirty: false, codeHash: 'x' } };
    writeFileSync(file, JSON.stringify(edited));
    await expect(bench({ resume: true, seeds: 2 })).rejects.toThrow(/--allow-mixed-commits/);
    const logs4: string[] = [];
    await bench({ resume: true, allowMixedCommits: true }, logs4);
    expect(logs4.join('\n')).toContain('2 finished (reused), 0 to train');
  });
});
