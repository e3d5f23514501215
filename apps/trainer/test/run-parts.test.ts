import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { readReportInputs } from '../src/report/inputs.js';
import { writeRunConfig } from '../src/run/run-config.js';
import { globToRegExp, selectTrainable } from '../src/run/trainable.js';

const REPO = resolve(__dirname, '../../..');

describe('trainable parameters', () => {
  const names = [
    'backbone.conv1.weight',
    'backbone.layer1.0.conv1.weight',
    'roi_head.bbox_head.fc_cls.weight',
    'roi_head.bbox_head.fc_cls.bias',
    'roi_head.bbox_head.fc_reg.weight',
    'roi_head.mask_head.conv_logits.weight',
    'roi_head.mask_head.convs.0.conv.weight',
  ];
  const params = names.map((name, i) => ({
    name,
    variable: { name } as unknown as tf.Variable,
    trainable: i !== 1, // a frozen stage
  }));

  it('matches * within a segment and ** across segments', () => {
    expect(
      globToRegExp('roi_head.bbox_head.fc_cls.*').test('roi_head.bbox_head.fc_cls.weight'),
    ).toBe(true);
    expect(globToRegExp('roi_head.*.weight').test('roi_head.bbox_head.fc_cls.weight')).toBe(false);
    expect(globToRegExp('roi_head.**.weight').test('roi_head.bbox_head.fc_cls.weight')).toBe(true);
    expect(globToRegExp('a.b').test('aXb')).toBe(false);
  });

  it('keeps every trainable parameter without globs, and only the matches with them', () => {
    expect(Object.keys(selectTrainable(params, null))).toEqual(names.filter((_, i) => i !== 1));
    const stage2 = [
      'roi_head.bbox_head.fc_cls.*',
      'roi_head.bbox_head.fc_reg.*',
      'roi_head.mask_head.conv_logits.*',
    ];
    expect(Object.keys(selectTrainable(params, stage2)).sort()).toEqual([
      'roi_head.bbox_head.fc_cls.bias',
      'roi_head.bbox_head.fc_cls.weight',
      'roi_head.bbox_head.fc_reg.weight',
      'roi_head.mask_head.conv_logits.weight',
    ]);
    // a frozen parameter never trains, even when named
    expect(() => selectTrainable(params, ['backbone.layer1.**'])).toThrow(
      /'backbone\.layer1\.\*\*' matches no trainable parameter/,
    );
  });
});

describe('run config', () => {
  it('records the config with absolute dataset paths, which the report then finds', async () => {
    const loaded = await loadConfig('configs/synth/eqlv2_crat.ts', { cwd: REPO });
    const workDir = mkdtempSync(join(tmpdir(), 'crat-run-'));
    const path = await writeRunConfig(workDir, loaded, ['optimizer.lr=0.01'], REPO);
    const saved = JSON.parse(readFileSync(path, 'utf8'));
    expect(saved.file).toBe(join(REPO, 'configs/synth/eqlv2_crat.ts'));
    expect(saved.cfgOptions).toEqual(['optimizer.lr=0.01']);
    expect(saved.config.dataset.train.annFile).toBe(
      join(REPO, 'data/synth/annotations/lvis_v1_train.json'),
    );
    expect(saved.config.dataset.synth.outDir).toBe(join(REPO, 'data/synth'));
    expect(saved.config.loss).toEqual({ type: 'eqlv2' });
    expect(readReportInputs(workDir).configFile).toBe(saved.file);
  });
});
