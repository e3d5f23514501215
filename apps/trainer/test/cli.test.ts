import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, defaultConfigPath, resumeCommand } from '../src/commands/train.js';
import { collectInfo, formatInfo } from '../src/info.js';
import { buildProgram } from '../src/program.js';

describe('crat CLI frame', () => {
  it('prints help listing the commands', () => {
    const help = buildProgram().helpInformation();
    expect(help).toMatch(/Usage: crat/);
    expect(help).toMatch(/info/);
    for (const c of ['train', 'test', 'report', 'eval', 'synth'])
      expect(help).toMatch(new RegExp(`\\b${c}\\b`));
  });

  it('crat train names a config file that does not exist', async () => {
    const program = buildProgram().exitOverride();
    await expect(
      program.parseAsync(['node', 'crat', 'train', '--config', 'configs/synth/nope.ts']),
    ).rejects.toThrow(/config file 'configs\/synth\/nope\.ts' does not exist/);
  });

  it('crat train parses --resume followed by --cfg-options, and before a checkpoint path', async () => {
    for (const [args, want] of [
      [['--resume', '--cfg-options', 'a=1', 'b=2'], { resume: true, cfgOptions: ['a=1', 'b=2'] }],
      [['--cfg-options', 'a=1', '--resume', 'work/x'], { resume: 'work/x', cfgOptions: ['a=1'] }],
      [['--resume', '--resume-fallback'], { resume: true, resumeFallback: true }],
    ] as const) {
      const program = buildProgram().exitOverride();
      await expect(
        program.parseAsync(['node', 'crat', 'train', '--config', 'nope.ts', ...args]),
      ).rejects.toThrow(/config file 'nope\.ts' does not exist/);
      const train = program.commands.find((c) => c.name() === 'train')!;
      expect(train.opts()).toMatchObject(want);
    }
  });

  it('the resume hint repeats the command, quoted for a shell', () => {
    expect(
      resumeCommand({
        config: 'configs/synth/eqlv2.ts',
        workDir: '/runs/my run',
        backend: 'wasm',
        cfgOptions: ['optimizer.lr=0.01', 'transfers=[]', "x='a b'"],
      }),
    ).toBe(
      `crat train --config configs/synth/eqlv2.ts --work-dir '/runs/my run' --backend wasm --resume --cfg-options optimizer.lr=0.01 'transfers=[]' 'x='\\''a b'\\'''`,
    );
  });

  it('crat train defaults to the embedded synthetic EQLv2 + CRAT config', () => {
    expect(defaultConfigPath()).toBe(resolve(__dirname, '../../..', DEFAULT_CONFIG));
    expect(existsSync(defaultConfigPath())).toBe(true);
  });

  it('reports the Node version, the backend packages and the WebGPU adapter', async () => {
    const info = await collectInfo();
    expect(info.node).toBe(process.version);
    expect(info.backends.map((b) => b.name)).toEqual([
      'webgpu',
      'tensorflow-gpu',
      'tensorflow',
      'wasm',
      'cpu',
    ]);
    expect(formatInfo(info)).toMatch(/classification losses/);
    // Either the adapter's description and limits, or why there is none.
    expect(formatInfo(info)).toMatch(/webgpu adapter\n {2}(none: |.+\n.+\n {2}limits: buffer \d+)/);
  });
});
