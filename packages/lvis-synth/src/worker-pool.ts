// Image tasks spread over render worker threads, and where the compiled worker script lives.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ImageOutcome, ImageSettings, ImageTask } from './synthesize-image.js';

/**
 * The compiled worker script: beside this module in `dist/`, or, when this module runs from
 * `src/` (tests), the one in `../dist/`. Undefined when neither has been built.
 */
export function renderWorkerScript(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [
    join(here, 'render-worker.js'),
    join(here, '../dist/render-worker.js'),
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Run image tasks on `count` worker threads, `chunk` at a time each; outcomes in any order. */
export async function runOnWorkers(
  script: string,
  count: number,
  settings: ImageSettings,
  outRoot: string,
  tasks: readonly ImageTask[],
  chunk: number,
  onOutcomes: (outcomes: ImageOutcome[]) => void,
): Promise<void> {
  let next = 0;
  const workers = Array.from(
    { length: Math.min(count, Math.ceil(tasks.length / chunk)) },
    () => new Worker(script, { workerData: { settings, outRoot } }),
  );
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const feed = () => {
              if (next >= tasks.length) {
                resolve();
                return;
              }
              const batch = tasks.slice(next, next + chunk);
              next += chunk;
              worker.postMessage(batch);
            };
            worker.on(
              'message',
              (msg: { ok: boolean; outcomes?: ImageOutcome[]; error?: string }) => {
                if (!msg.ok) {
                  reject(new Error(msg.error));
                  return;
                }
                onOutcomes(msg.outcomes!);
                feed();
              },
            );
            worker.on('error', reject);
            worker.on('exit', (code) => {
              if (code !== 0)
                reject(new Error(`lvis-synth: render worker exited with code ${code}`));
            });
            feed();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
