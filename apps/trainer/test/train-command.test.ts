import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeReport } from '../src/report/html.js';
import { testFromConfig } from '../src/run/test.js';
import { trainFromConfig } from '../src/run/train.js';
import { readMetrics } from '../src/train/metrics-log.js';
import { fakeDetectorBackend } from './helpers/fake-detector.js';
import { writeTinyConfig } from './helpers/tiny-config.js';

// `crat train` / `crat test` end to end on a generated synthetic set, with a stand-in
// detector (the real one plugs in through the same interface).

describe('crat train / crat test composition', () => {
  it('generates the data, trains, checkpoints, evaluates, writes CRAT diagnostics; resume is exact; test evaluates a checkpoint', async () => {
    const root = mkdtempSync(join(tmpdir(), 'crat-train-cmd-'));
    const config = writeTinyConfig(root);
    const events: string[] = [];
    const logs: string[] = [];
    const common = {
      config,
      cwd: root,
      progress: false as const,
      handleSigint: false,
      log: (m: string) => logs.push(m),
    };

    const full = await trainFromConfig({
      ...common,
      workDir: join(root, 'full'),
      detector: fakeDetectorBackend(events),
    });
    expect(full.result).toMatchObject({ status: 'completed', iter: 12 });
    expect(logs.some((l) => /generating the synthetic dataset/.test(l))).toBe(true);
    expect(events[0]).toBe('create C=4 loss=eqlv2 counts=4');
    const dir = full.workDir;
    for (const f of [
      'config.json',
      'metrics.jsonl',
      'last_checkpoint',
      'crat_transfer_bbox.json',
      'eval/iter_000012.json',
    ]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    expect(readdirSync(join(dir, 'checkpoints'))).toEqual([
      'iter_000005',
      'iter_000010',
      'iter_000012',
    ]);
    const plugins = JSON.parse(
      readFileSync(join(dir, 'checkpoints/iter_000012/plugins.json'), 'utf8'),
    );
    expect(plugins.detector.seen.reduce((a: number, b: number) => a + b, 0)).toBeGreaterThan(0);
    const lines = readMetrics(join(dir, 'metrics.jsonl'));
    expect(lines.filter((l) => l.mode === 'train')).toHaveLength(12);
    const val = lines.filter((l) => l.mode === 'val');
    expect(val).toHaveLength(1);
    expect(typeof val[0]!.bbox_AP).toBe('number');
    expect(typeof val[0]!.segm_APr).toBe('number');
    expect(full.eval?.bbox?.metrics.AP).toBe(val[0]!.bbox_AP);
    expect(logs.some((l) => /^metric\s+bbox\s+segm$/m.test(l))).toBe(true);
    // the lr schedule of the config: warm-up over 2 steps from 0.1, x0.1 after step 8
    const lrs = lines.filter((l) => l.mode === 'train').map((l) => l.lr as number);
    expect(lrs[0]).toBeCloseTo(0.02 * 0.1, 10);
    expect(lrs[5]).toBeCloseTo(0.02, 10);
    expect(lrs[11]).toBeCloseTo(0.002, 10);

    // interrupted after step 6, then resumed: the same losses as the uninterrupted run
    const stop = new AbortController();
    const first = fakeDetectorBackend();
    first.onStep = (iter) => {
      if (iter === 6) stop.abort();
    };
    const resumedDir = join(root, 'resumed');
    const a = await trainFromConfig({
      ...common,
      workDir: resumedDir,
      detector: first,
      signal: stop.signal,
    });
    expect(a.result).toMatchObject({ status: 'interrupted', iter: 7 });
    const b = await trainFromConfig({
      ...common,
      workDir: resumedDir,
      detector: fakeDetectorBackend(),
      resume: true,
    });
    expect(b.result).toMatchObject({ status: 'completed', iter: 12 });
    const losses = (d: string) =>
      readMetrics(join(d, 'metrics.jsonl'))
        .filter((l) => l.mode === 'train')
        .map((l) => [l.iter, l.loss, l.lr]);
    expect(losses(resumedDir)).toEqual(losses(dir));
    expect(b.eval?.bbox?.metrics).toEqual(full.eval?.bbox?.metrics);

    // crat test on the last checkpoint: the same numbers as the evaluation at the end of training
    const t = await testFromConfig({
      config,
      checkpoint: dir,
      cwd: root,
      detector: fakeDetectorBackend(),
      log: (m) => logs.push(m),
    });
    expect(t.resultsFile).toBe(join(dir, 'checkpoints/iter_000012/results.json'));
    expect(t.reports.bbox?.metrics).toEqual(full.eval?.bbox?.metrics);

    // and the report renders from the work dir
    const html = readFileSync(await writeReport(dir), 'utf8');
    expect(html).toContain('transfer weight, source → target (4 classes)');
    expect(html).toContain('bbox: per-class AP against training instances');
  }, 180_000);
});
