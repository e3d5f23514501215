import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { ensureDataset } from '../src/run/synth-dataset.js';
import { testFromConfig } from '../src/run/test.js';
import { type TrainOptions, trainFromConfig } from '../src/run/train.js';
import { readMetrics } from '../src/train/metrics-log.js';
import { fakeDetectorBackend } from './helpers/fake-detector.js';
import { writeTinyConfig } from './helpers/tiny-config.js';

// One run per work dir unless told otherwise, config.json written only when a run really
// starts, and `crat test` refusing a checkpoint trained with another loss or other classes.

let root: string;
let config: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'crat-prov-'));
  config = writeTinyConfig(root);
  await ensureDataset((await loadConfig(config)).config.dataset);
});

function train(workDir: string, o: Partial<TrainOptions> = {}, logs: string[] = []) {
  return trainFromConfig({
    config,
    workDir,
    detector: fakeDetectorBackend(),
    progress: false,
    handleSigint: false,
    log: (m) => logs.push(m),
    ...o,
    cfgOptions: [
      'schedule.length=6',
      'schedule.policy.type=constant',
      'evaluation.interval=0',
      ...(o.cfgOptions ?? []),
    ],
  });
}

const read = (p: string) => readFileSync(p, 'utf8');

describe('work dir provenance', () => {
  it('a new run into a work dir holding a run is an error; --resume continues it; --overwrite replaces it', async () => {
    const dir = join(root, 'one');
    await train(dir);
    const metrics = read(join(dir, 'metrics.jsonl'));
    const cfg = read(join(dir, 'config.json'));
    await expect(train(dir)).rejects.toThrow(
      /work dir .*one holds another run \(checkpoints, config\.json, crat_transfer_bbox\.json, eval, last_checkpoint, metrics\.jsonl\): pass --resume to continue it, --overwrite to replace it/,
    );
    expect(read(join(dir, 'metrics.jsonl'))).toBe(metrics);
    expect(read(join(dir, 'config.json'))).toBe(cfg);
    await expect(train(dir, { resume: true, overwrite: true })).rejects.toThrow(/pass one/);

    const logs: string[] = [];
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const again = await train(dir, { overwrite: true, cfgOptions: ['schedule.length=3'] }, logs);
    expect(again.result.iter).toBe(3);
    expect(logs.join('\n')).toMatch(
      /--overwrite: removed the earlier run's checkpoints, config\.json/,
    );
    expect(readMetrics(join(dir, 'metrics.jsonl')).map((r) => r.iter)).toEqual([1, 2, 3]);
    expect(readdirSync(join(dir, 'checkpoints'))).toEqual(['iter_000003']);
    expect(read(join(dir, 'notes.txt'))).toBe('mine');
  });

  it('config.json is written only when the run starts: a run failing at set-up leaves none, or the old one', async () => {
    const fresh = join(root, 'failing');
    await expect(
      train(fresh, { cfgOptions: ['loadFrom=/nonexistent/checkpoint'] }),
    ).rejects.toThrow(/checkpoint '\/nonexistent\/checkpoint' does not exist/);
    expect(existsSync(join(fresh, 'config.json'))).toBe(false);

    const dir = join(root, 'kept');
    await train(dir);
    const cfg = read(join(dir, 'config.json'));
    await expect(
      train(dir, { resume: true, cfgOptions: ['loadFrom=/nonexistent/checkpoint'] }),
    ).rejects.toThrow(/does not exist/);
    expect(read(join(dir, 'config.json'))).toBe(cfg);
  });

  it('--resume with a changed config says which fields differ from the recorded one', async () => {
    const dir = join(root, 'changed');
    await train(dir);
    const logs: string[] = [];
    const res = await train(dir, { resume: true, cfgOptions: ['schedule.length=8'] }, logs);
    expect(res.result.iter).toBe(8);
    expect(logs.join('\n')).toMatch(
      /warning: resuming with a config that differs from .*config\.json:\n {2}schedule\.length: 6 → 8/,
    );
  });
});

describe('crat test against the checkpoint it evaluates', () => {
  it('refuses another classification loss, naming it; warns about other model fields; ignores test-time ones', async () => {
    const dir = join(root, 'eqlv2');
    await train(dir);
    const test = (cfgOptions: string[], logs: string[] = []) =>
      testFromConfig({
        config,
        checkpoint: dir,
        cfgOptions,
        detector: fakeDetectorBackend(),
        log: (m) => logs.push(m),
      });
    await expect(test(['loss.type=cross-entropy'])).rejects.toThrow(
      /iter_000006\/model\.json was trained with another loss or other classes than the config \(recorded in .*meta\.json; recorded → config\):\n {2}loss\.type: "eqlv2" → "cross-entropy"/,
    );
    await expect(test(['model.numClasses=5'])).rejects.toThrow(/model\.numClasses: 4 → 5/);
    const logs: string[] = [];
    await test(['model.rpnHead.sampler.num=64', 'model.test.maxPerImg=50'], logs);
    const said = logs.join('\n');
    expect(said).toMatch(
      /warning: the config differs .*\n {2}model\.rpnHead\.sampler\.num: 256 → 64$/m,
    );
    expect(said).not.toMatch(/maxPerImg/);
    expect(said).toMatch(/model\.json \(checksum verified\)/);
  });

  it('names a damaged weights file', async () => {
    const dir = join(root, 'damaged');
    await train(dir);
    const file = join(dir, 'checkpoints/iter_000006/model.json');
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1]! ^= 0x01; // one flipped bit, as a bad disk or copy leaves
    writeFileSync(file, bytes);
    await expect(
      testFromConfig({ config, checkpoint: dir, detector: fakeDetectorBackend(), log: () => {} }),
    ).rejects.toThrow(/iter_000006\/model\.json: damaged: /);
  });
});

describe('config.json paths', () => {
  it('makes every split absolute, minival included, and leaves absolute paths alone', async () => {
    const { absoluteDatasetPaths } = await import('../src/run/run-config.js');
    const { config: cfg } = await loadConfig('configs/synth/eqlv2.ts', {
      cwd: join(import.meta.dirname, '../../..'),
    });
    const abs = absoluteDatasetPaths(cfg, '/data/x');
    expect(abs.dataset.train.annFile).toBe('/data/x/data/synth/annotations/lvis_v1_train.json');
    expect(abs.dataset.val.imgDir).toBe('/data/x/data/synth/val2017');
    expect(abs.dataset.minival?.annFile).toBe(
      '/data/x/data/synth/annotations/lvis_v1_minival.json',
    );
    expect(absoluteDatasetPaths(abs, '/elsewhere').dataset.minival).toEqual(abs.dataset.minival);
  });
});
