import { describe, expect, it } from 'vitest';
import { collectInfo, formatInfo } from '../src/info.js';
import { buildProgram } from '../src/program.js';

describe('crat CLI frame', () => {
  it('prints help listing the commands', () => {
    const help = buildProgram().helpInformation();
    expect(help).toMatch(/Usage: crat/);
    expect(help).toMatch(/info/);
  });

  it('reports the Node version and the backend packages', async () => {
    const info = await collectInfo();
    expect(info.node).toBe(process.version);
    expect(info.backends.map((b) => b.name)).toEqual([
      'tensorflow-gpu',
      'tensorflow',
      'wasm',
      'cpu',
    ]);
    expect(formatInfo(info)).toMatch(/classification losses/);
  });
});
