// PyTorch `.pth` checkpoints (mmdetection, torchvision Mask R-CNN, torchvision ImageNet ResNet)
// into the model, through @crat/torch-checkpoint's safe reader and name maps.

import { basename } from 'node:path';
import {
  type CheckpointNaming,
  guessNaming,
  readTorchCheckpoint,
  toFloat32,
  toMmdetNames,
} from '@crat/torch-checkpoint';
import type { MaskRCNN } from '../mask-rcnn.js';
import {
  assignWeights,
  type LoadWeightsOptions,
  type LoadWeightsReport,
  type TorchLayoutTensor,
} from './checkpoint.js';
import { encodeSafetensors } from './safetensors.js';

export interface LoadTorchWeightsOptions extends LoadWeightsOptions {
  /** The file's naming; guessed from its names when omitted. */
  from?: CheckpointNaming;
}

/** A `.pth` file's tensors under mmdetection names (background rows moved or dropped), float32 on demand. */
export async function readTorchWeights(
  path: string,
  from?: CheckpointNaming,
): Promise<{ naming: CheckpointNaming; tensors: Map<string, TorchLayoutTensor> }> {
  const ckpt = await readTorchCheckpoint(path);
  const naming = from ?? guessNaming(ckpt.tensors.keys());
  if (!naming) {
    throw new Error(
      `${path}: cannot tell whether its names are mmdetection's or torchvision's (e.g. ${[...ckpt.tensors.keys()].slice(0, 3).join(', ')}); say which with --from`,
    );
  }
  const mapped = toMmdetNames(ckpt.tensors, naming, { file: path });
  const tensors = new Map<string, TorchLayoutTensor>();
  for (const [name, t] of mapped.tensors) {
    tensors.set(name, { shape: [...t.shape], float32: () => toFloat32(t) });
  }
  return { naming, tensors };
}

/**
 * Load a `.pth` checkpoint into `model`: mmdetection's `{meta, state_dict}`, a torchvision
 * detection `MaskRCNN` state dict, or an ImageNet ResNet as backbone initialisation (then
 * only `backbone.` parameters are loaded and the rest keep their initialisation).
 */
export async function loadTorchWeights(
  model: MaskRCNN,
  path: string,
  opts: LoadTorchWeightsOptions = {},
): Promise<LoadWeightsReport & { naming: CheckpointNaming }> {
  const { naming, tensors } = await readTorchWeights(path, opts.from);
  const backboneOnly = naming === 'torchvision-resnet';
  const report = assignWeights(model, tensors, {
    where: path,
    ...(backboneOnly ? { prefix: 'backbone.' } : {}),
    ...opts,
  });
  return { ...report, naming };
}

/**
 * A `.pth` checkpoint as the safetensors this package loads: mmdetection names, PyTorch
 * layout, float32 (`crat convert`). Returns the bytes and what was read.
 */
export async function torchToSafetensors(
  path: string,
  from?: CheckpointNaming,
): Promise<{ bytes: Uint8Array; naming: CheckpointNaming; count: number }> {
  const { naming, tensors } = await readTorchWeights(path, from);
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const [name, t] of tensors) out.set(name, { shape: t.shape, values: t.float32() });
  const bytes = encodeSafetensors(out, { format: 'pt', source: basename(path), naming });
  return { bytes, naming, count: out.size };
}
