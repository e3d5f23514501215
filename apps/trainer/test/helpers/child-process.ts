// Running a TypeScript file of this package in a child process (signal and kill tests).

import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** The trainer package folder: children run from here so `jiti/register` resolves. */
export const TRAINER_DIR = resolve(__dirname, '../..');

export interface ChildRun {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output: () => string;
  /** Resolves when the first line matching `re` has been written. */
  waitFor: (re: RegExp) => Promise<void>;
  /** Exit code and signal. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs a TypeScript file of this package in its own Node process (through jiti, so no
 * build is needed), with its output collected and lines watched.
 */
export function runTs(
  file: string,
  args: readonly string[],
  env: Record<string, string> = {},
): ChildRun {
  const child = spawn(process.execPath, ['--import', 'jiti/register', file, ...args], {
    cwd: TRAINER_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const w of waiters.splice(0)) {
      if (w.re.test(text)) w.resolve();
      else waiters.push(w);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal })),
  );
  return {
    child,
    output: () => text,
    waitFor: (re) =>
      new Promise<void>((res, rej) => {
        if (re.test(text)) return res();
        waiters.push({ re, resolve: res });
        void done.then(() => {
          if (!re.test(text)) rej(new Error(`exited before printing ${re}:\n${text}`));
        });
      }),
    done,
  };
}
