// Finds the compiled worker script and runs one job on a worker thread.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** The default thread count is every core, up to this many (each worker has its own heap). */
const MAX_DEFAULT_THREADS = 8;

/** What a worker sends back: its job's value, or the message of what it threw. */
export type WorkerReply<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * The compiled worker script: beside this module in `dist/`, or, when this module runs
 * from `src/` (tests), the one in `../dist/`. Undefined when neither has been built.
 */
export function workerScript(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, 'lvis-worker.js'), join(here, '../dist/lvis-worker.js')]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * How many threads to use: `requested` (1 = this thread only), or every available core
 * (at most 8) when undefined. Threads beyond the first need the built worker script; asking for them
 * explicitly without it is an error, the default quietly uses one thread.
 */
export function threadCount(requested: number | undefined): number {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1) {
      throw new Error(`threads must be a positive integer, got ${requested}`);
    }
    if (requested > 1 && !workerScript()) {
      throw new Error(
        '@crat/lvis: the worker script (dist/lvis-worker.js) is not built; build @crat/lvis or pass threads: 1',
      );
    }
    return requested;
  }
  return workerScript() ? Math.min(availableParallelism(), MAX_DEFAULT_THREADS) : 1;
}

/**
 * A copy of `value` whose typed arrays live in shared memory, so that handing it to any
 * number of workers copies nothing more.
 */
export function inSharedMemory<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (ArrayBuffer.isView(v) && !(v.buffer instanceof SharedArrayBuffer)) {
      const view = v as unknown as Uint8Array;
      const copy = new (view.constructor as Uint8ArrayConstructor)(
        new SharedArrayBuffer(view.byteLength),
      );
      copy.set(view);
      out[key] = copy;
    } else out[key] = v;
  }
  return out as T;
}

/**
 * A worker thread started ahead of its one job, so that its start-up (a new isolate
 * loading this package) overlaps the work that prepares the job.
 */
export class PendingWorker {
  private readonly worker: Worker;
  private readonly reply: Promise<unknown>;

  constructor(script: string) {
    this.worker = new Worker(script);
    this.reply = new Promise((resolve, reject) => {
      let replied = false;
      this.worker.once('message', (reply: WorkerReply<unknown>) => {
        replied = true;
        if (reply.ok) resolve(reply.value);
        else reject(new Error(reply.error));
      });
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => {
        if (!replied)
          reject(new Error(`@crat/lvis: a worker thread exited (code ${code}) without a reply`));
      });
    });
    // A worker stopped before it was given a job rejects; nobody waits for that.
    this.reply.catch(() => {});
  }

  /** Hand over the job (`transfer`: buffers moved rather than copied); resolves with its value. */
  run<T>(job: unknown, transfer: readonly ArrayBuffer[] = []): Promise<T> {
    this.worker.postMessage(job, transfer);
    return this.reply as Promise<T>;
  }

  /** Stop the thread (one never given a job would wait forever). */
  stop(): void {
    void this.worker.terminate();
  }
}

/** Start `count` workers (none when the script is not built). */
export function startWorkers(count: number): PendingWorker[] {
  const script = workerScript();
  if (!script || count < 1) return [];
  return Array.from({ length: count }, () => new PendingWorker(script));
}
