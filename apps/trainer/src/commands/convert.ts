// `crat convert`: a PyTorch `.pth` (mmdetection or torchvision) to the safetensors `crat` loads.

import { writeFileAtomic } from '@crat/core';
import { torchToSafetensors } from '@crat/detector';
import type { CheckpointNaming } from '@crat/torch-checkpoint';
import type { Command } from 'commander';

/** `--from` values, in the words users know. */
const FROM: Record<string, CheckpointNaming> = {
  mmdet: 'mmdet',
  torchvision: 'torchvision-mask-rcnn',
  'torchvision-resnet': 'torchvision-resnet',
};

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description(
      'convert a PyTorch .pth checkpoint (mmdetection, torchvision Mask R-CNN or ImageNet ResNet) to safetensors with mmdetection names',
    )
    .argument(
      '<in>',
      '.pth file (zip or legacy format; only tensors and plain containers are read)',
    )
    .argument('<out>', '.safetensors file to write (atomically)')
    .option(
      '--from <naming>',
      `the file's naming: ${Object.keys(FROM).join(', ')} (default: guessed)`,
    )
    .action(async (input: string, output: string, o: { from?: string }) => {
      let from: CheckpointNaming | undefined;
      if (o.from !== undefined) {
        from = FROM[o.from];
        if (!from) {
          throw new Error(`--from: '${o.from}' is not one of ${Object.keys(FROM).join(', ')}`);
        }
      }
      const t0 = performance.now();
      const { bytes, naming, count } = await torchToSafetensors(input, from);
      await writeFileAtomic(output, bytes);
      const secs = ((performance.now() - t0) / 1000).toFixed(2);
      console.log(
        `${input} (${naming}): ${count} tensors → ${output} (${(bytes.length / 1e6).toFixed(1)} MB, ${secs} s)`,
      );
    });
}
