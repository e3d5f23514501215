// Worker-thread entry: receives the shared settings once, then batches of image tasks,
// and answers each batch with its outcomes (the PNGs are written by the worker itself).
import { parentPort, workerData } from 'node:worker_threads';
import { type ImageSettings, type ImageTask, synthesizeImage } from './synthesize-image.js';

const { settings, outRoot } = workerData as { settings: ImageSettings; outRoot: string };

parentPort!.on('message', (tasks: ImageTask[]) => {
  try {
    parentPort!.postMessage({
      ok: true,
      outcomes: tasks.map((t) => synthesizeImage(t, settings, outRoot)),
    });
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
