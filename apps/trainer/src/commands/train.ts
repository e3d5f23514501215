// `crat train`: the command line over `trainFromConfig`, and the default config `pnpm train` runs.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendChoice } from '@crat/tensor';
import type { Command } from 'commander';
import { trainFromConfig } from '../run/train.js';
import { SIGINT_EXIT_CODE } from '../train/hooks/interrupt-hook.js';

/** The embedded default of `pnpm train`: the synthetic set, EQLv2 + CRAT, on wasm. */
export const DEFAULT_CONFIG = 'configs/synth/eqlv2_crat.ts';
export const DEFAULT_BACKEND: BackendChoice = 'wasm';

interface TrainCliOptions {
  config?: string;
  cfgOptions?: string[];
  workDir?: string;
  resume?: boolean | string;
  resumeFallback?: boolean;
  overwrite?: boolean;
  backend?: BackendChoice;
}

/** A word as a POSIX shell reads it back unchanged (single-quoted unless plainly safe). */
function shellWord(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command that continues an interrupted run: the same config, work dir, backend and
 * overrides, plus `--resume` (the overrides last: their list takes every word after it).
 */
export function resumeCommand(o: {
  config: string;
  workDir: string;
  backend?: string;
  cfgOptions?: readonly string[];
}): string {
  const words = ['crat', 'train', '--config', o.config, '--work-dir', o.workDir];
  if (o.backend) words.push('--backend', o.backend);
  words.push('--resume');
  if (o.cfgOptions?.length) words.push('--cfg-options', ...o.cfgOptions);
  return words.map(shellWord).join(' ');
}

/** The default config from the working directory, else from the repository the CLI lives in. */
export function defaultConfigPath(): string {
  if (existsSync(DEFAULT_CONFIG)) return DEFAULT_CONFIG;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, DEFAULT_CONFIG);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return DEFAULT_CONFIG; // not found: loadConfig names it in its error
    dir = parent;
  }
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description(
      `train a detector from a config; with no --config: ${DEFAULT_CONFIG} on ${DEFAULT_BACKEND} (the synthetic set is generated when missing), then the LVIS table`,
    )
    .option('--config <file>', 'config file (TypeScript, defineConfig)')
    .option('--cfg-options <pairs...>', 'overrides as key=value (a.b=1 c.d=[1,2] e=true)')
    .option('--work-dir <dir>', 'output folder (default work_dirs/<config name>)')
    .option(
      '--resume [checkpoint]',
      "continue from the work dir's newest checkpoint, or from the one given (its checksums checked)",
    )
    .option(
      '--resume-fallback',
      'with --resume: when the checkpoint is damaged, set it aside and resume from the newest intact earlier one',
    )
    .option(
      '--overwrite',
      'replace the run the work dir holds (without it, or --resume, that is an error)',
    )
    .option(
      '--backend <name>',
      'TF.js backend: auto, webgpu, tensorflow-gpu, tensorflow, wasm, cpu',
    )
    .action(async (o: TrainCliOptions) => {
      const config = o.config ?? defaultConfigPath();
      const backend = o.backend ?? (o.config ? undefined : DEFAULT_BACKEND);
      const outcome = await trainFromConfig({
        config,
        ...(o.cfgOptions ? { cfgOptions: o.cfgOptions } : {}),
        ...(o.workDir ? { workDir: o.workDir } : {}),
        ...(o.resume !== undefined ? { resume: o.resume } : {}),
        ...(o.resumeFallback ? { resumeFallback: true } : {}),
        ...(o.overwrite ? { overwrite: true } : {}),
        ...(backend ? { backend } : {}),
      });
      if (outcome.result.status === 'interrupted') {
        const again = resumeCommand({
          config,
          workDir: outcome.workDir,
          ...(backend ? { backend } : {}),
          ...(o.cfgOptions ? { cfgOptions: o.cfgOptions } : {}),
        });
        console.log(`interrupted at step ${outcome.result.iter}; continue with:\n  ${again}`);
        process.exitCode = SIGINT_EXIT_CODE;
        return;
      }
      console.log(`done: ${outcome.result.iter} steps; checkpoint ${outcome.result.checkpoint}`);
      console.log(`report: crat report --work-dir ${outcome.workDir}`);
    });
}
