// The process-wide plug-in registries (classification losses, task transfers, image samplers)
// that plug-in packages register into on import and the trainer builds from.

import type { ClassificationLoss, ClassificationLossInit } from './classification-loss.js';
import type { ImageSampler, SamplerInit } from './image-sampler.js';
import { Registry } from './registry.js';
import type { TaskBranch, TaskTransfer } from './task-transfer.js';

/** What a task-transfer plug-in is told when it is built. */
export interface TaskTransferInit {
  numClasses: number;
  branch: TaskBranch;
}

// One instance per process: plug-in packages register into these on import, and the
// trainer builds from them by the config's `type`.
const GLOBAL_KEY = Symbol.for('@crat/core/registries');
interface Registries {
  classificationLosses: Registry<ClassificationLoss, ClassificationLossInit>;
  taskTransfers: Registry<TaskTransfer, TaskTransferInit>;
  imageSamplers: Registry<ImageSampler, SamplerInit>;
}
const holder = globalThis as unknown as { [GLOBAL_KEY]?: Registries };
// The ESM and CJS builds of this package must share the registries, hence globalThis.
holder[GLOBAL_KEY] ??= {
  classificationLosses: new Registry<ClassificationLoss, ClassificationLossInit>(
    'classification loss',
  ),
  taskTransfers: new Registry<TaskTransfer, TaskTransferInit>('task transfer'),
  imageSamplers: new Registry<ImageSampler, SamplerInit>('image sampler'),
};

export const classificationLosses = holder[GLOBAL_KEY].classificationLosses;
export const taskTransfers = holder[GLOBAL_KEY].taskTransfers;
export const imageSamplers = holder[GLOBAL_KEY].imageSamplers;
