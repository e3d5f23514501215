// Worker-thread entry: decodes and augments samples off the main thread. Gets the pipeline
// config once; each message is one sample; answers with transferable typed arrays.
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import type { ImageRecord } from './lvis-dataset.js';
import type { PipelineConfig } from './pipeline-config.js';
import { ImageReadError, prepareSample } from './prepare-sample.js';

// One libvips thread per worker: the workers themselves are the parallelism.
sharp.concurrency(1);
const { config } = workerData as { config: PipelineConfig };

parentPort!.on(
  'message',
  async (msg: { taskId: number; record: ImageRecord; seedWord: number }) => {
    try {
      const sample = await prepareSample(msg.record, msg.seedWord, config);
      parentPort!.postMessage({ taskId: msg.taskId, ok: true, sample }, [
        sample.image.buffer as ArrayBuffer,
        sample.boxes.buffer as ArrayBuffer,
        sample.labels.buffer as ArrayBuffer,
        sample.masks.buffer as ArrayBuffer,
      ]);
    } catch (err) {
      parentPort!.postMessage({
        taskId: msg.taskId,
        ok: false,
        readError: err instanceof ImageReadError,
        message: err instanceof Error ? err.message : String(err),
      });
    }
  },
);
