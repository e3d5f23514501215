// `crat test`: the command line over `testFromConfig`.

import type { BackendChoice } from '@crat/tensor';
import type { Command } from 'commander';
import { testFromConfig } from '../run/test.js';

interface TestCliOptions {
  config: string;
  checkpoint: string;
  cfgOptions?: string[];
  backend?: BackendChoice;
  out?: string;
}

export function registerTest(program: Command): void {
  program
    .command('test')
    .description('run a checkpoint over the test (or val) split and print the LVIS bbox/segm table')
    .requiredOption('--config <file>', 'config file the checkpoint was trained with')
    .requiredOption(
      '--checkpoint <path>',
      'checkpoint folder, work dir (newest checkpoint), .safetensors file, or a PyTorch .pth (mmdetection or torchvision)',
    )
    .option('--cfg-options <pairs...>', 'overrides as key=value')
    .option(
      '--backend <name>',
      'TF.js backend: auto, webgpu, tensorflow-gpu, tensorflow, wasm, cpu',
    )
    .option('--out <file>', 'where to write the LVIS results JSON')
    .action(async (o: TestCliOptions) => {
      const { resultsFile } = await testFromConfig({
        config: o.config,
        checkpoint: o.checkpoint,
        ...(o.cfgOptions ? { cfgOptions: o.cfgOptions } : {}),
        ...(o.backend ? { backend: o.backend } : {}),
        ...(o.out ? { out: o.out } : {}),
      });
      console.log(`results: ${resultsFile}`);
    });
}
