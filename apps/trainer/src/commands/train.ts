// `crat train`: the command line over `trainFromConfig`, and the default config `pnpm train` runs.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendChoice } from '@crat/tensor';
import type { Command } from 'commander';
import { trainFromConfig } from '../run/train.js';

/** The embedded default of `pnpm train`: the synthetic set, EQLv2 + CRAT, on wasm. */
export const DEFAULT_CONFIG = 'configs/synth/eqlv2_crat.ts';
export const DEFAULT_BACKEND: BackendChoice = 'wasm';

interface TrainCliOptions {
  config?: string;
  cfgOptions?: string[];
  workDir?: string;
  resume?: boolean | string;
  backend?: BackendChoice;
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
      "continue from the work dir's newest checkpoint, or from the one given",
    )
    .option('--backend <name>', 'TF.js backend: auto, tensorflow-gpu, tensorflow, wasm, cpu')
    .action(async (o: TrainCliOptions) => {
      const config = o.config ?? defaultConfigPath();
      const backend = o.backend ?? (o.config ? undefined : DEFAULT_BACKEND);
      const outcome = await trainFromConfig({
        config,
        ...(o.cfgOptions ? { cfgOptions: o.cfgOptions } : {}),
        ...(o.workDir ? { workDir: o.workDir } : {}),
        ...(o.resume !== undefined ? { resume: o.resume } : {}),
        ...(backend ? { backend } : {}),
      });
      if (outcome.result.status === 'interrupted') {
        console.log(
          `interrupted at step ${outcome.result.iter}; continue with: crat train --config ${config} --resume`,
        );
        process.exitCode = 130;
        return;
      }
      console.log(`done: ${outcome.result.iter} steps; checkpoint ${outcome.result.checkpoint}`);
      console.log(`report: crat report --work-dir ${outcome.workDir}`);
    });
}
