import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@crat/tensor';
import type * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointIntegrityError,
  fileDigest,
  runTraining,
  tidyLeftovers,
} from '../src/train/index.js';
import { makeToy, toyTraining } from './helpers/toy.js';

// Every checkpoint records a SHA-256 of each file it writes; resume checks them and names a
// damaged file; --resume-fallback sets it aside and resumes from the previous one; the
// leftovers of a killed run are tidied on the next start.

beforeAll(async () => {
  await initBackend('cpu');
});

const snapshot = (params: Record<string, tf.Variable>) =>
  Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.from(v.dataSync())]));

/** A work dir trained to the end (checkpoints at 4, 8 and 12) and the weights it ended with. */
async function trainedDir() {
  const toy = makeToy();
  const dir = mkdtempSync(join(tmpdir(), 'crat-ckpt-'));
  await runTraining(toyTraining(toy, dir));
  const weights = snapshot(toy.params);
  toy.free();
  return { dir, weights };
}

/** Overwrite a few bytes in the middle of a file, as a bad disk or a bad copy would. */
function damage(path: string): void {
  const bytes = readFileSync(path);
  for (let i = bytes.length >> 1; i < Math.min(bytes.length, (bytes.length >> 1) + 8); i++)
    bytes[i]! ^= 0x20;
  writeFileSync(path, bytes);
}

describe('checkpoint checksums', () => {
  it('meta.json records the SHA-256 and size of every file of the checkpoint', async () => {
    const { dir } = await trainedDir();
    const ckpt = join(dir, 'checkpoints/iter_000012');
    const meta = JSON.parse(readFileSync(join(ckpt, 'meta.json'), 'utf8'));
    expect(Object.keys(meta.files).sort()).toEqual([
      'model.json',
      'optimizer.json',
      'plugins.json',
      'sampler.json',
    ]);
    for (const [name, d] of Object.entries(meta.files)) {
      expect(d).toEqual(await fileDigest(join(ckpt, name)));
    }
  });

  it('--resume refuses a damaged checkpoint, naming the file, and changes nothing', async () => {
    const { dir } = await trainedDir();
    const file = join(dir, 'checkpoints/iter_000012/model.json');
    damage(file);
    const toy = makeToy();
    const before = snapshot(toy.params);
    const err = await runTraining(toyTraining(toy, dir, { resume: true })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointIntegrityError);
    expect((err as CheckpointIntegrityError).file).toBe(file);
    expect((err as Error).message).toMatch(
      /model\.json: damaged: \d+ bytes with sha256 [0-9a-f]{12}…, but the checkpoint recorded \d+ bytes .*--resume-fallback/,
    );
    expect(snapshot(toy.params)).toEqual(before); // nothing was loaded
    expect(readdirSync(join(dir, 'checkpoints'))).toEqual([
      'iter_000004',
      'iter_000008',
      'iter_000012',
    ]);
    rmSync(join(dir, 'checkpoints/iter_000008/optimizer.json'));
    await expect(
      runTraining(toyTraining(toy, dir, { resume: join(dir, 'checkpoints/iter_000008') })),
    ).rejects.toThrow(/iter_000008\/optimizer\.json: missing/);
    toy.free();
  });

  it('--resume-fallback sets damaged checkpoints aside and resumes exactly from the newest intact one', async () => {
    const { dir, weights } = await trainedDir();
    damage(join(dir, 'checkpoints/iter_000012/sampler.json'));
    damage(join(dir, 'checkpoints/iter_000008/plugins.json'));
    const toy = makeToy();
    const said: string[] = [];
    const res = await runTraining(
      toyTraining(toy, dir, {
        resume: true,
        resumeFallback: true,
        progress: { write: (s: string) => void said.push(s) },
        hooks: [{ beforeTrain: (loop) => void said.push(`start ${loop.iter}`) }],
      }),
    );
    expect(said).toContain('start 4');
    expect(said.join('')).toMatch(
      /iter_000012\/sampler\.json: damaged.*\nmoved that checkpoint aside/,
    );
    expect(res).toMatchObject({ status: 'completed', iter: 12 });
    expect(snapshot(toy.params)).toEqual(weights);
    expect(readdirSync(join(dir, 'checkpoints')).sort()).toEqual([
      'iter_000004',
      'iter_000008',
      'iter_000008.damaged',
      'iter_000012',
      'iter_000012.damaged',
    ]);
    toy.free();
  });

  it('--resume-fallback with no intact checkpoint left stops rather than start over', async () => {
    const { dir } = await trainedDir();
    for (const i of ['04', '08', '12']) damage(join(dir, `checkpoints/iter_0000${i}/model.json`));
    const log = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
    const toy = makeToy();
    await expect(
      runTraining(toyTraining(toy, dir, { resume: true, resumeFallback: true })),
    ).rejects.toThrow(/no intact checkpoint is left .*start a new run with --overwrite/);
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')).toBe(log);
    expect(readdirSync(join(dir, 'checkpoints')).every((n) => n.endsWith('.damaged'))).toBe(true);
    toy.free();
  });

  it('an older checkpoint without checksums still resumes, said to be unverified', async () => {
    const { dir } = await trainedDir();
    const metaFile = join(dir, 'checkpoints/iter_000012/meta.json');
    const { files: _files, ...old } = JSON.parse(readFileSync(metaFile, 'utf8'));
    writeFileSync(metaFile, JSON.stringify(old));
    const toy = makeToy();
    const said: string[] = [];
    const res = await runTraining(
      toyTraining(toy, dir, {
        resume: true,
        progress: { write: (s: string) => void said.push(s) },
      }),
    );
    expect(res.iter).toBe(12);
    expect(said.join('')).toMatch(
      /iter_000012: no checksums recorded \(an older checkpoint\): not verified/,
    );
    toy.free();
  });
});

describe('leftovers of a killed run', () => {
  it('removes temporary folders and files of dead writers, puts back a checkpoint moved aside, leaves live ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crat-left-'));
    const ck = join(dir, 'checkpoints');
    const dead = 2 ** 22 + 7; // above Linux's pid_max: no such process
    const live = process.ppid;
    for (const d of [
      `.iter_000010.${dead}.tmp`,
      `.iter_000005.${dead}.old`,
      `.iter_000010.${dead}.old`,
      'iter_000010',
      `.iter_000015.${live}.tmp`,
    ]) {
      mkdirSync(join(ck, d), { recursive: true });
      writeFileSync(join(ck, d, 'meta.json'), '{}');
    }
    writeFileSync(join(dir, `metrics.jsonl.${dead}.3.tmp`), 'x');
    writeFileSync(join(dir, `last_checkpoint.${live}.0.tmp`), 'x');
    mkdirSync(join(dir, 'eval'));
    writeFileSync(join(dir, 'eval', `iter_000010.json.${dead}.1.tmp`), 'x');
    const done = await tidyLeftovers(dir);
    expect(done).toHaveLength(5);
    expect(readdirSync(ck).sort()).toEqual([
      `.iter_000015.${live}.tmp`,
      'iter_000005',
      'iter_000010',
    ]);
    expect(existsSync(join(ck, 'iter_000005/meta.json'))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([
      'checkpoints',
      'eval',
      `last_checkpoint.${live}.0.tmp`,
    ]);
    expect(readdirSync(join(dir, 'eval'))).toEqual([]);
  });
});
