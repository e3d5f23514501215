import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetrics } from '../src/train/metrics-log.js';
import { runTs } from './helpers/child-process.js';

// Fault injection: a short run in a child process SIGKILLs itself at one moment after
// another (between steps, half-way through writing the weights, before the checkpoint
// folder is renamed in, before last_checkpoint names it, while a checkpoint is being
// replaced); each next process resumes. The weights and losses at the end must be those
// of a run that was never interrupted.

const CHILD = 'test/helpers/kill-child.ts';

async function run(workDir: string, killAt: string, weightsOut?: string) {
  const r = runTs(CHILD, [workDir, killAt, ...(weightsOut ? [weightsOut] : [])]);
  const { code, signal } = await r.done;
  return { code, signal, output: r.output() };
}

const trainLosses = (dir: string) =>
  readMetrics(join(dir, 'metrics.jsonl'))
    .filter((l) => l.mode === 'train')
    .map((l) => [l.iter, l.loss, l.lr, l.grad_norm]);

describe('SIGKILL at any moment, then --resume', () => {
  it('ends with the weights and losses of an uninterrupted run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'crat-kill-'));
    const clean = await run(join(root, 'clean'), 'none', join(root, 'clean.json'));
    expect(clean.code, clean.output).toBe(0);

    const dir = join(root, 'killed');
    const ckpts = () => readdirSync(join(dir, 'checkpoints')).sort();
    const moments: [string, (names: string[]) => void][] = [
      ['step:7', (n) => expect(n).toEqual(['iter_000005'])],
      // a half-written weights file, in the checkpoint's temporary folder only
      ['weights:10', (n) => expect(n.filter((x) => x.endsWith('.tmp'))).toHaveLength(1)],
      ['rename:10', (n) => expect(n.filter((x) => x.startsWith('iter_'))).toEqual(['iter_000005'])],
      // iter_000015 is complete but last_checkpoint still names iter_000010
      ['last:15', (n) => expect(n).toEqual(['iter_000005', 'iter_000010', 'iter_000015'])],
      // iter_000015 (written again by the resumed run) moved aside, its replacement not in
      ['replace:15', (n) => expect(n.some((x) => x.endsWith('.old'))).toBe(true)],
      ['step:23', (n) => expect(n.at(-1)).toBe('iter_000020')],
    ];
    for (const [moment, check] of moments) {
      const r = await run(dir, moment);
      expect(r.signal, `${moment}: ${r.output}`).toBe('SIGKILL');
      check(ckpts());
    }
    const last = await run(dir, 'none', join(root, 'resumed.json'));
    expect(last.code, last.output).toBe(0);
    expect(JSON.parse(last.output.trim().split('\n').at(-1)!)).toMatchObject({
      status: 'completed',
      iter: 30,
    });
    // the leftovers were tidied, the moved-aside checkpoint put back, nothing else remains
    expect(ckpts()).toEqual(
      [5, 10, 15, 20, 25, 30].map((i) => `iter_${String(i).padStart(6, '0')}`),
    );
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(readFileSync(join(root, 'resumed.json'), 'utf8')).toBe(
      readFileSync(join(root, 'clean.json'), 'utf8'),
    );
    expect(trainLosses(dir)).toEqual(trainLosses(join(root, 'clean')));
    expect(existsSync(join(dir, 'checkpoints/iter_000015/meta.json'))).toBe(true);
  }, 120_000);
});
