// The worker threads that prepare samples off the main thread (or this thread, with 0 workers),
// and where their compiled script lives.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ImageRecord } from './lvis-dataset.js';
import type { PipelineConfig } from './pipeline-config.js';
import { ImageReadError, type PreparedSample, prepareSample } from './prepare-sample.js';

/** The compiled worker script beside this module (dist/), or ../dist/ when running from src/. */
export function decodeWorkerScript(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [
    join(here, 'decode-worker.js'),
    join(here, '../dist/decode-worker.js'),
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

interface Pending {
  resolve: (s: PreparedSample) => void;
  reject: (e: Error) => void;
  record: ImageRecord;
}

/** Runs `prepareSample` on worker threads (or on this thread when `workers` is 0). */
export class DecodePool {
  readonly #config: PipelineConfig;
  readonly #workers: Worker[] = [];
  readonly #pending: Map<number, Pending>[] = [];
  #nextTask = 0;
  #closed = false;

  constructor(config: PipelineConfig, workers: number) {
    this.#config = config;
    if (workers === 0) return;
    const script = decodeWorkerScript();
    if (!script) {
      throw new Error(
        'data: the decode worker script (dist/decode-worker.js) is not built; build @crat/data or use workers: 0',
      );
    }
    for (let w = 0; w < workers; w++) {
      const worker = new Worker(script, { workerData: { config } });
      const pending = new Map<number, Pending>();
      worker.on(
        'message',
        (msg: {
          taskId: number;
          ok: boolean;
          sample?: PreparedSample;
          readError?: boolean;
          message?: string;
        }) => {
          const p = pending.get(msg.taskId);
          if (!p) return;
          pending.delete(msg.taskId);
          // An idle worker must not keep the process alive; a busy one must.
          if (pending.size === 0) worker.unref();
          if (msg.ok) p.resolve(msg.sample!);
          else if (msg.readError) {
            const err = new ImageReadError(p.record.path, p.record.imageId, '');
            err.message = msg.message!;
            p.reject(err);
          } else p.reject(new Error(msg.message));
        },
      );
      const failAll = (err: Error) => {
        for (const p of pending.values()) p.reject(err);
        pending.clear();
      };
      worker.on('error', failAll);
      worker.on('exit', (code) => {
        if (!this.#closed) failAll(new Error(`data: decode worker exited with code ${code}`));
      });
      worker.unref();
      this.#workers.push(worker);
      this.#pending.push(pending);
    }
  }

  get threads(): number {
    return this.#workers.length;
  }

  run(record: ImageRecord, seedWord: number): Promise<PreparedSample> {
    if (this.#closed) return Promise.reject(new Error('data: the loader is closed'));
    if (this.#workers.length === 0) return prepareSample(record, seedWord, this.#config);
    // The least-busy worker takes the task.
    let best = 0;
    for (let w = 1; w < this.#workers.length; w++) {
      if (this.#pending[w].size < this.#pending[best].size) best = w;
    }
    const taskId = this.#nextTask++;
    return new Promise((resolve, reject) => {
      this.#pending[best].set(taskId, { resolve, reject, record });
      this.#workers[best].ref();
      this.#workers[best].postMessage({ taskId, record, seedWord });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of this.#pending) {
      for (const p of pending.values()) p.reject(new Error('data: the loader was closed'));
      pending.clear();
    }
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}
