// Where a pretrained checkpoint a config names lives: mmdetection's `torchvision://resnet50`
// names resolved to torchvision's file names in torch's cache or `data/pretrain_models/`.

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** torchvision's ImageNet weights as mmdetection's `torchvision://` names them (torchvision ≤ 0.12 URLs). */
const TORCHVISION_FILES: Record<string, string> = {
  resnet18: 'resnet18-f37072fd.pth',
  resnet34: 'resnet34-b627a593.pth',
  resnet50: 'resnet50-0676ba61.pth',
  resnet101: 'resnet101-63fe2227.pth',
};

/** The folders searched for `torchvision://` files, in order. */
export function pretrainedFolders(cwd: string): string[] {
  const torchHome = process.env.TORCH_HOME ?? join(homedir(), '.cache', 'torch');
  return [resolve(cwd, 'data/pretrain_models'), join(torchHome, 'hub', 'checkpoints')];
}

/**
 * The file of `checkpoint`: a `torchvision://<arch>` name looked up in `pretrainedFolders`, or a
 * path relative to `cwd`. A missing file is an error saying what to download and where to put it
 * (nothing is fetched at run time).
 */
export function resolvePretrained(checkpoint: string, cwd: string, field: string): string {
  const tv = /^torchvision:\/\/(\w+)$/.exec(checkpoint);
  if (!tv) {
    const path = resolve(cwd, checkpoint);
    if (!existsSync(path)) throw new Error(`${field}: '${checkpoint}' does not exist (${path})`);
    return path;
  }
  const file = TORCHVISION_FILES[tv[1]!];
  if (!file) {
    throw new Error(
      `${field}: unknown '${checkpoint}'; known: ${Object.keys(TORCHVISION_FILES)
        .map((k) => `torchvision://${k}`)
        .join(', ')}`,
    );
  }
  const folders = pretrainedFolders(cwd);
  for (const f of folders) if (existsSync(join(f, file))) return join(f, file);
  throw new Error(
    `${field}: '${checkpoint}' is torchvision's ${file}, found in none of ${folders.join(', ')}. ` +
      `Download https://download.pytorch.org/models/${file} into one of them.`,
  );
}
