import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { ensureDataset } from '../src/run/synth-dataset.js';
import { trainFromConfig } from '../src/run/train.js';
import { runTs } from './helpers/child-process.js';
import { fakeDetectorBackend } from './helpers/fake-detector.js';
import { writeTinyConfig } from './helpers/tiny-config.js';

// Ctrl-C on `crat train` in a child process (the stand-in detector; each step blocks the
// thread for 100 ms as real tensor work does): the first SIGINT ends the run with a
// checkpoint and exit code 130 whatever the checkpoint interval, a second one during that
// checkpoint's write waits for it, a third quits at once.

let root: string;
let config: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'crat-sigint-'));
  config = writeTinyConfig(root);
  await ensureDataset((await loadConfig(config)).config.dataset);
});

const OVERRIDES = ['checkpoint.interval=0', 'schedule.length=20', 'evaluation.interval=0'];

const train = (workDir: string, env: Record<string, string>) =>
  runTs(
    'test/helpers/cli-child.ts',
    ['train', '--config', config, '--work-dir', workDir, '--cfg-options', ...OVERRIDES],
    env,
  );

const metaOf = (workDir: string, name: string) =>
  JSON.parse(readFileSync(join(workDir, 'checkpoints', name, 'meta.json'), 'utf8'));

describe('Ctrl-C', () => {
  it('the first one, with checkpoint.interval=0: the step ends, a checkpoint is written, exit 130, the hint repeats the command', async () => {
    const workDir = join(root, 'once');
    const run = train(workDir, { CRAT_TEST_STEP_MS: '100' });
    await run.waitFor(/^step 3$/m);
    run.child.kill('SIGINT');
    const { code } = await run.done;
    const out = run.output();
    expect(code, out).toBe(130);
    const names = readdirSync(join(workDir, 'checkpoints'));
    expect(names).toHaveLength(1);
    const meta = metaOf(workDir, names[0]!);
    expect(meta.iter).toBeGreaterThanOrEqual(3);
    expect(meta.iter).toBeLessThan(20);
    expect(out).toMatch(/interrupt: stopping at the end of this step and writing a checkpoint/);
    const hint = out.split('\n').find((l) => l.trim().startsWith('crat train'))!;
    expect(hint.trim()).toBe(
      `crat train --config ${config} --work-dir ${workDir} --resume --cfg-options ${OVERRIDES.join(' ')}`,
    );
  });

  it('a second one during the checkpoint write waits for it; the checkpoint is complete', async () => {
    const workDir = join(root, 'twice');
    const run = train(workDir, { CRAT_TEST_STEP_MS: '100', CRAT_TEST_SAVE_MS: '600' });
    await run.waitFor(/^step 3$/m);
    run.child.kill('SIGINT');
    await run.waitFor(/^saving weights$/m);
    run.child.kill('SIGINT');
    const { code } = await run.done;
    const out = run.output();
    expect(code, out).toBe(130);
    expect(out).toMatch(/interrupt again: .*waiting for it so nothing is lost/);
    const names = readdirSync(join(workDir, 'checkpoints'));
    expect(names.filter((n) => n.startsWith('.'))).toEqual([]);
    expect(Object.keys(metaOf(workDir, names[0]!).files)).toContain('model.json');
  });

  it('a third one quits without the checkpoint; the next start tidies what it left', async () => {
    const workDir = join(root, 'thrice');
    const run = train(workDir, { CRAT_TEST_STEP_MS: '100', CRAT_TEST_SAVE_MS: '600' });
    await run.waitFor(/^step 3$/m);
    run.child.kill('SIGINT');
    await run.waitFor(/^saving weights$/m);
    run.child.kill('SIGINT');
    await run.waitFor(/interrupt again/);
    run.child.kill('SIGINT');
    const { code } = await run.done;
    const out = run.output();
    expect(code, out).toBe(130);
    expect(out).toMatch(/third interrupt: quitting without the new checkpoint/);
    const left = readdirSync(join(workDir, 'checkpoints'));
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^\.iter_\d+\.\d+\.tmp$/);
    expect(existsSync(join(workDir, 'last_checkpoint'))).toBe(false);

    const logs: string[] = [];
    const again = await trainFromConfig({
      config,
      workDir,
      resume: true,
      cfgOptions: [...OVERRIDES, 'schedule.length=8'],
      detector: fakeDetectorBackend(),
      progress: { write: (s: string) => void logs.push(s), isTTY: false },
      handleSigint: false,
      log: (m) => logs.push(m),
    });
    expect(again.result).toMatchObject({ status: 'completed', iter: 8 });
    expect(logs.join('')).toMatch(/leftover of a killed run: removed .*\.iter_\d+\.\d+\.tmp/);
    expect(readdirSync(join(workDir, 'checkpoints'))).toEqual(['iter_000008']);
  });
});
