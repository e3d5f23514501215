import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyCfgOptions,
  ConfigError,
  loadConfig,
  parseCfgOptions,
  parseValue,
} from '../src/config/index.js';

const REPO = resolve(__dirname, '../../..');
const CONFIGS = join(REPO, 'configs');

function presets(dir: string): string[] {
  return readdirSync(join(CONFIGS, dir))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `configs/${dir}/${f}`);
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'crat-config-'));
}

function write(dir: string, name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `import { defineConfig } from '@crat/trainer';\nexport default defineConfig(${body});\n`,
  );
  return file;
}

describe('presets', () => {
  const all = [...presets('synth'), ...presets('lvis')];

  it('has every loss with and without CRAT, for synth and LVIS', () => {
    for (const loss of ['ce', 'eqlv2', 'group_softmax', 'seesaw']) {
      expect(all).toContain(`configs/synth/${loss}.ts`);
      expect(all).toContain(`configs/synth/${loss}_crat.ts`);
      expect(all).toContain(`configs/lvis/mask_rcnn_r50_fpn_${loss}_1x_lvis_v1.ts`);
      expect(all).toContain(`configs/lvis/mask_rcnn_r50_fpn_${loss}_crat_1x_lvis_v1.ts`);
    }
  });

  it.each(all)('%s loads and validates', async (file) => {
    const { config, files } = await loadConfig(file, { cwd: REPO });
    expect(files.at(-1)).toBe(join(REPO, file));
    expect(config.model.numClasses).toBeGreaterThan(0);
    expect(config.workDir).toBe(
      join(REPO, 'work_dirs', file.split('/').at(-1)!.replace(/\.ts$/, '')),
    );
    // `_crat_box` / `_crat_mask`: CRAT on that branch only; any other `_crat`: on both.
    const only = /_crat_(box|mask)\b/.exec(file)?.[1];
    const crat = file.includes('_crat');
    expect(config.transfers.map((t) => t.branch).sort()).toEqual(
      only ? [only === 'box' ? 'bbox' : 'mask'] : crat ? ['bbox', 'mask'] : [],
    );
  });

  it('differ from their sibling presets by the loss line only', async () => {
    const pairs = [
      ['configs/synth/ce.ts', 'configs/synth/seesaw.ts'],
      ['configs/synth/eqlv2_crat.ts', 'configs/synth/group_softmax_crat.ts'],
      [
        'configs/lvis/mask_rcnn_r50_fpn_ce_1x_lvis_v1.ts',
        'configs/lvis/mask_rcnn_r50_fpn_eqlv2_1x_lvis_v1.ts',
      ],
    ];
    for (const [a, b] of pairs) {
      const ca = (await loadConfig(a!, { cwd: REPO })).config;
      const cb = (await loadConfig(b!, { cwd: REPO })).config;
      expect(ca.loss.type).not.toBe(cb.loss.type);
      expect({ ...ca, loss: null, workDir: null }).toEqual({ ...cb, loss: null, workDir: null });
    }
  });

  it("LVIS presets follow mmdetection's LVIS v1 1x recipe", async () => {
    const { config: c } = await loadConfig(
      'configs/lvis/mask_rcnn_r50_fpn_seesaw_crat_1x_lvis_v1.ts',
      {
        cwd: REPO,
      },
    );
    expect(c.sampler).toEqual({ type: 'repeat-factor', threshold: 0.001 });
    expect(c.schedule).toMatchObject({
      by: 'epoch',
      length: 12,
      warmup: { type: 'linear', iters: 500, ratio: 0.001 },
      policy: { type: 'step', milestones: [8, 11], gamma: 0.1 },
    });
    expect(c.optimizer.lr).toBe(0.02);
    expect(c.data.batchSize * c.optimizer.accumulationSteps).toBe(16);
    expect(c.optimizer).toMatchObject({ momentum: 0.9, weightDecay: 1e-4 });
    const shortEdges = c.pipeline.train.scales.map(([, h]) => h);
    expect(Math.min(...shortEdges)).toBe(640);
    expect(Math.max(...shortEdges)).toBe(800);
    expect(c.pipeline.train.scales.every(([w]) => w === 1333)).toBe(true);
    expect(c.pipeline.test.scale).toEqual([1333, 800]);
    expect(c.model.test).toEqual({
      scoreThr: 1e-4,
      minBboxSize: 0,
      nmsIouThr: 0.5,
      maxPerImg: 300,
      maskThrBinary: 0.5,
      maskPaste: 'mmdetection',
    });
    expect(c.model).toMatchObject({ preset: 'mask_rcnn_r50_fpn', numClasses: 1203 });
    expect(c.loss.type).toBe('seesaw');
  });

  it('decoupled stage 2 starts from stage 1, trains only the class-wise layers, samples class-aware', async () => {
    const { config: c } = await loadConfig(
      'configs/lvis/mask_rcnn_r50_fpn_eqlv2_crat_decoupled_stage2_lvis_v1.ts',
      { cwd: REPO },
    );
    expect(c.loadFrom).toMatch(/mask_rcnn_r50_fpn_eqlv2_crat_1x_lvis_v1/);
    expect(c.trainable).toContain('roi_head.bbox_head.fc_cls.*');
    expect(c.sampler.type).toBe('class-aware');
    expect(c.loss.type).toBe('eqlv2');
    expect(c.transfers).toHaveLength(2);
  });
});

describe('validation errors', () => {
  it('names the field and the base file that set it', async () => {
    const dir = tempDir();
    write(
      dir,
      'base.ts',
      `{ _base_: ['${join(CONFIGS, 'synth/ce.ts')}'], optimizer: { lr: 'fast' } }`,
    );
    const top = write(dir, 'top.ts', "{ _base_: ['./base.ts'], loss: { type: 'eqlv2' } }");
    const err = await loadConfig(top, { cwd: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.message).toMatch(/base\.ts: optimizer\.lr: .*expected number/);
    expect(e.field).toBe('optimizer.lr');
    expect(e.file).toBe(join(dir, 'base.ts'));
  });

  it('names an unknown field and the file with the typo', async () => {
    const dir = tempDir();
    const base = write(dir, 'base.ts', `{ _base_: ['${join(CONFIGS, 'synth/ce.ts')}'] }`);
    const top = write(
      dir,
      'top.ts',
      `{ _base_: ['./base.ts'], model: { backbone: { dpeth: 50 } } }`,
    );
    const e = (await loadConfig(top, { cwd: dir }).catch((x: unknown) => x)) as ConfigError;
    expect(e.message).toMatch(/top\.ts: model\.backbone\.dpeth: unknown field/);
    expect(e.file).toBe(top);
    expect(base).toBeTruthy();
  });

  it('names a required field no file set, and the config file', async () => {
    const dir = tempDir();
    const top = write(dir, 'top.ts', "{ loss: { type: 'eqlv2' } }");
    const e = (await loadConfig(top, { cwd: dir }).catch((x: unknown) => x)) as ConfigError;
    expect(e.message).toMatch(/top\.ts: model: required/);
    expect(e.message).toMatch(/top\.ts: optimizer: required/);
  });

  it('names the override when a --cfg-options value is wrong', async () => {
    const e = (await loadConfig('configs/synth/ce.ts', {
      cwd: REPO,
      cfgOptions: ['schedule.policy.milestones=[1200,1100]'],
    }).catch((x: unknown) => x)) as ConfigError;
    expect(e.message).toMatch(
      /--cfg-options: schedule\.policy\.milestones\.1: milestones must increase/,
    );
  });

  it('reports a missing _base_ file, a cycle and a non-object export by file', async () => {
    const dir = tempDir();
    const missing = write(dir, 'missing.ts', "{ _base_: ['./nope.ts'] }");
    await expect(loadConfig(missing, { cwd: dir })).rejects.toThrow(
      /missing\.ts: _base_ 'nope\.ts' does not exist/,
    );
    write(dir, 'a.ts', "{ _base_: ['./b.ts'] }");
    write(dir, 'b.ts', "{ _base_: ['./a.ts'] }");
    await expect(loadConfig(join(dir, 'a.ts'), { cwd: dir })).rejects.toThrow(
      /cycle: a\.ts -> b\.ts -> a\.ts/,
    );
    writeFileSync(join(dir, 'num.ts'), 'export default 3;\n');
    await expect(loadConfig(join(dir, 'num.ts'), { cwd: dir })).rejects.toThrow(
      /num\.ts: the default export/,
    );
  });
});

describe('--cfg-options', () => {
  it('parses values as mmengine DictAction does', () => {
    expect(parseValue('1')).toBe(1);
    expect(parseValue('-3')).toBe(-3);
    expect(parseValue('1e-4')).toBe(1e-4);
    expect(parseValue('0.5')).toBe(0.5);
    expect(parseValue('true')).toBe(true);
    expect(parseValue('False')).toBe(false);
    expect(parseValue('None')).toBe(null);
    expect(parseValue('abc')).toBe('abc');
    expect(parseValue("'1'")).toBe('1');
    expect(parseValue('[1,2]')).toEqual([1, 2]);
    expect(parseValue('(1333,800)')).toEqual([1333, 800]);
    expect(parseValue('[(1333,640),(1333,800)]')).toEqual([
      [1333, 640],
      [1333, 800],
    ]);
    expect(parseValue('a,b')).toEqual(['a', 'b']);
    expect(parseValue('[]')).toEqual([]);
    expect(() => parseValue('[1,2')).toThrow(/unbalanced/);
  });

  it('builds dotted overrides, later pairs winning', () => {
    const opts = parseCfgOptions(['a.b=1', 'c.d=[1,2]', 'e=true', 'a.b=2']);
    expect([...opts]).toEqual([
      ['a.b', 2],
      ['c.d', [1, 2]],
      ['e', true],
    ]);
    expect(() => parseCfgOptions(['novalue'])).toThrow(/not key=value/);
  });

  it('applies onto a config: nested keys, list indices, plug-in type switch', () => {
    const base = {
      a: { b: 0, keep: 1 },
      list: [{ w: 1 }, { w: 2 }],
      loss: { type: 'seesaw', p: 0.8 },
    };
    const out = applyCfgOptions(
      base,
      parseCfgOptions(['a.b=1', 'list.1.w=5', 'loss.type=eqlv2', 'new.deep.key=x']),
    );
    expect(out).toEqual({
      a: { b: 1, keep: 1 },
      list: [{ w: 1 }, { w: 5 }],
      loss: { type: 'eqlv2' },
      new: { deep: { key: 'x' } },
    });
    expect(base.a.b).toBe(0);
    expect(() => applyCfgOptions(base, parseCfgOptions(['list.7.w=1']))).toThrow(/not an index/);
    expect(() => applyCfgOptions(base, parseCfgOptions(['a.b.c=1']))).toThrow(/not an object/);
  });

  it('overrides a preset when loading', async () => {
    const { config } = await loadConfig('configs/synth/eqlv2_crat.ts', {
      cwd: REPO,
      cfgOptions: [
        'optimizer.lr=0.01',
        'pipeline.train.scales=[(160,128)]',
        'sampler.type=uniform',
      ],
    });
    expect(config.optimizer.lr).toBe(0.01);
    expect(config.pipeline.train.scales).toEqual([[160, 128]]);
    expect(config.sampler).toEqual({ type: 'uniform' });
  });
});

describe('_base_ merging', () => {
  it('merges _base_ files in order, the child last', async () => {
    const dir = tempDir();
    write(
      dir,
      'one.ts',
      '{ seed: 1, log: { interval: 5 }, transfers: [{ type: "crat", branch: "bbox" }] }',
    );
    write(dir, 'two.ts', '{ seed: 2 }');
    const top = write(
      dir,
      'top.ts',
      `{ _base_: ['./one.ts', './two.ts', '${join(CONFIGS, '_base_/synth_mask_rcnn_r18_fpn.ts')}'], seed: 7 }`,
    );
    const { config, raw } = await loadConfig(top, { cwd: dir });
    expect(config.seed).toBe(7);
    // the synth base sets log.interval after one.ts does
    expect(config.log.interval).toBe(20);
    expect(config.transfers).toEqual([{ type: 'crat', branch: 'bbox' }]);
    expect(raw._base_).toBeUndefined();
  });
});

describe('plug-in names in the presets', () => {
  it('name registered plug-ins with options they accept', async () => {
    await import('../src/run/plugins.js');
    const { classificationLosses, imageSamplers, taskTransfers } = await import('@crat/core');
    for (const file of [
      'configs/synth/eqlv2_crat.ts',
      'configs/lvis/mask_rcnn_r50_fpn_seesaw_crat_1x_lvis_v1.ts',
      'configs/lvis/mask_rcnn_r50_fpn_eqlv2_crat_decoupled_stage2_lvis_v1.ts',
    ]) {
      const { config } = await loadConfig(file, { cwd: REPO });
      for (const t of config.transfers) {
        const { branch: _b, ...entry } = t;
        expect(() => taskTransfers.resolveOptions(entry, file)).not.toThrow();
      }
      expect(() => imageSamplers.resolveOptions(config.sampler, file)).not.toThrow();
      // losses register from their own packages; check the ones present here
      if (classificationLosses.has(config.loss.type)) {
        expect(() => classificationLosses.resolveOptions(config.loss, file)).not.toThrow();
      }
    }
  });
});
