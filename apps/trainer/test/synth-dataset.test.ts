import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatasetConfig } from '../src/config/schema.js';
import { ensureDataset } from '../src/run/synth-dataset.js';

const synthConfig = (root: string): DatasetConfig => ({
  type: 'synth',
  train: { annFile: 'synth/annotations/lvis_v1_train.json', imgDir: 'synth/train2017' },
  val: { annFile: 'synth/annotations/lvis_v1_val.json', imgDir: 'synth/val2017' },
  synth: {
    outDir: join(root, 'synth'),
    seed: 3,
    trainImages: 24,
    valImages: 12,
    size: 64,
    families: 2,
    variants: 2,
    workers: 0,
  },
  skipBadImages: false,
});

describe('ensureDataset', () => {
  it('generates a missing synthetic set once, then finds it present', async () => {
    const root = mkdtempSync(join(tmpdir(), 'crat-synth-'));
    const cfg = synthConfig(root);
    const log: string[] = [];
    expect(await ensureDataset(cfg, { cwd: root, log: (m) => log.push(m) })).toBe('generated');
    expect(log[0]).toMatch(/generating the synthetic dataset/);
    const train = JSON.parse(readFileSync(join(root, cfg.train.annFile), 'utf8'));
    expect(train.categories).toHaveLength(4);
    expect(train.images).toHaveLength(24);
    expect(existsSync(join(root, cfg.val.annFile))).toBe(true);
    expect(await ensureDataset(cfg, { cwd: root })).toBe('present');
  });

  it('names the config fields when files are missing and cannot be made', async () => {
    const root = mkdtempSync(join(tmpdir(), 'crat-synth-'));
    const lvis: DatasetConfig = { ...synthConfig(root), type: 'lvis' };
    await expect(ensureDataset(lvis, { cwd: root })).rejects.toThrow(
      /missing annotation files \(dataset\.train\/val\.annFile\): .*lvis_v1_train\.json/,
    );
    const noOptions: DatasetConfig = { ...synthConfig(root), synth: undefined };
    await expect(ensureDataset(noOptions, { cwd: root })).rejects.toThrow(/dataset\.synth: /);
    const wrongName: DatasetConfig = {
      ...synthConfig(root),
      train: { annFile: 'synth/annotations/other.json', imgDir: 'synth' },
    };
    await expect(ensureDataset(wrongName, { cwd: root })).rejects.toThrow(
      /the config names .*other\.json/,
    );
  });
});
