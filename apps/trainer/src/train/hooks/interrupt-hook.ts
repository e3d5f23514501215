// Ctrl-C and abort signals as a hook: the first stops the run after the current step (the
// checkpoint hook then saves), a second SIGINT exits at once.

import type { LoopState, TrainHook } from '../loop.js';

export class InterruptHook implements TrainHook {
  #loop: LoopState | null = null;
  readonly #onSigint = () => {
    if (this.#loop?.stopRequested) {
      this.say('second interrupt: exiting without a checkpoint');
      process.exit(130);
    }
    this.#stop();
    this.say('interrupt: saving a checkpoint after this step (Ctrl-C again to quit at once)');
  };
  readonly #onAbort = () => this.#stop();

  constructor(
    readonly say: (message: string) => void,
    /** Listen for SIGINT (a process-wide handler, removed at the end). */
    readonly handleSigint: boolean,
    readonly signal?: AbortSignal,
  ) {}

  #stop(): void {
    if (this.#loop) this.#loop.stopRequested = true;
  }

  beforeTrain(loop: LoopState): void {
    this.#loop = loop;
    if (this.handleSigint) process.on('SIGINT', this.#onSigint);
    this.signal?.addEventListener('abort', this.#onAbort);
    if (this.signal?.aborted) loop.stopRequested = true;
  }

  afterTrain(): void {
    if (this.handleSigint) process.off('SIGINT', this.#onSigint);
    this.signal?.removeEventListener('abort', this.#onAbort);
    this.#loop = null;
  }
}
