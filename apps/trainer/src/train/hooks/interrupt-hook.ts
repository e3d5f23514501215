// Ctrl-C and abort signals as a hook: the first stops the run after the current step (the
// checkpoint hook then saves, whatever its interval), a second waits for that checkpoint,
// a third exits at once.

import type { LoopState, TrainHook } from '../loop.js';

/** Exit status of a run ended by SIGINT (128 + 2, what a shell reports). */
export const SIGINT_EXIT_CODE = 130;

/**
 * A step's tensor work runs synchronously and never lets Node's event loop turn, so a
 * signal handler could only run at the next real I/O (a checkpoint write). Yielding a
 * macrotask once per step lets a pending SIGINT be seen when the step ends.
 */
const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

export class InterruptHook implements TrainHook {
  #loop: LoopState | null = null;
  #interrupts = 0;
  readonly #onSigint = () => {
    this.#interrupts++;
    if (this.#interrupts === 1) {
      this.#stop();
      this.say(
        'interrupt: stopping at the end of this step and writing a checkpoint (Ctrl-C again waits for it; a third time quits without it)',
      );
    } else if (this.#interrupts === 2) {
      this.say(
        'interrupt again: still finishing the step and writing its checkpoint; waiting for it so nothing is lost (Ctrl-C once more quits at once, keeping the last complete checkpoint)',
      );
    } else {
      this.say('third interrupt: quitting without the new checkpoint');
      process.exit(SIGINT_EXIT_CODE);
    }
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

  async afterStep(): Promise<void> {
    if (this.handleSigint) await nextMacrotask();
  }

  afterTrain(): void {
    if (this.handleSigint) process.off('SIGINT', this.#onSigint);
    this.signal?.removeEventListener('abort', this.#onAbort);
    this.#loop = null;
  }
}
