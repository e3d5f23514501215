// Choosing and starting the TF.js backend (webgpu, native GPU, native CPU, wasm, cpu), with
// clear errors when one is missing, and hooks that run once a backend is active.

import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import './register-gradients.js';
import { prepareThreadedWasm } from './wasm-threads.js';
import {
  explainSyncReads,
  loadWebGpu,
  missingWebGpuPackage,
  probeWebGpuAdapter,
  teardownWebGpu,
  WebGpuUnavailableError,
} from './webgpu-backend.js';

/** What `initBackend` accepts: `auto` and the backends it knows, best first. */
export const BACKEND_CHOICES = [
  'auto',
  'webgpu',
  'tensorflow-gpu',
  'tensorflow',
  'wasm',
  'cpu',
] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;

const NATIVE_PACKAGES: Record<'tensorflow-gpu' | 'tensorflow', string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

const AUTO_ORDER: BackendName[] = ['webgpu', 'tensorflow-gpu', 'tensorflow', 'wasm'];

export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

const require = createRequire(import.meta.url);

function isResolvable(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** Whether the package behind a backend is installed (it may still fail to load). */
export function isBackendInstalled(name: BackendName): boolean {
  switch (name) {
    case 'cpu':
    case 'wasm':
      return true;
    case 'webgpu':
      return missingWebGpuPackage() == null;
    default:
      return isResolvable(NATIVE_PACKAGES[name]);
  }
}

type BackendHook = (name: BackendName) => Promise<void> | void;
const afterInitHooks: BackendHook[] = [];

/** Run `hook` after a backend is made active (the wasm training kernels register here). */
export function onBackendInit(hook: BackendHook): void {
  afterInitHooks.push(hook);
}

async function loadBackend(name: BackendName): Promise<void> {
  switch (name) {
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return;
    case 'wasm':
      await loadWasm();
      return;
    case 'webgpu':
      try {
        await loadWebGpu();
      } catch (err) {
        if (err instanceof WebGpuUnavailableError) throw new BackendUnavailableError(err.message);
        throw err;
      }
      return;
    default: {
      const pkg = NATIVE_PACKAGES[name];
      if (!isResolvable(pkg)) {
        throw new BackendUnavailableError(
          `backend '${name}' needs ${pkg}, which is not installed. Install it with \`pnpm add ${pkg}@4.22.0\` ` +
            '(its install step downloads libtensorflow, so it needs network access to storage.googleapis.com)' +
            (name === 'tensorflow-gpu' ? ' and CUDA 11.2 + cuDNN 8.1 on the machine.' : '.'),
        );
      }
      try {
        // The native binding registers the 'tensorflow' backend into tfjs-core on load.
        require(pkg);
      } catch (err) {
        throw new BackendUnavailableError(
          `backend '${name}': ${pkg} is installed but failed to load: ${(err as Error).message}`,
        );
      }
    }
  }
}

/**
 * Threads for the wasm backend: `CRAT_WASM_THREADS`, else every core. With more than one,
 * the pthreads build is started through the shim in `wasm-threads.ts`; if that fails the
 * single-threaded SIMD build is used and `wasmThreads()` says 1.
 */
function wantedWasmThreads(): number {
  const env = process.env.CRAT_WASM_THREADS;
  if (env != null && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) {
      throw new BackendUnavailableError(
        `CRAT_WASM_THREADS must be a positive integer, got '${env}'`,
      );
    }
    return n;
  }
  return Math.max(1, Math.min(4, availableParallelism()));
}

let wasmThreadCount = 1;

/** Threads the wasm backend runs XNNPACK with (1 until it is initialised). */
export function wasmThreads(): number {
  return wasmThreadCount;
}

/**
 * XNNPACK's pool threads run for the life of the module and Emscripten keeps their Node
 * workers referenced, so the process would never exit; let it.
 */
function unrefPoolWorkers(backend: tf.KernelBackend): void {
  const pthread = (
    backend as unknown as { wasm?: { PThread?: { runningWorkers?: { unref?: () => void }[] } } }
  ).wasm?.PThread;
  for (const worker of pthread?.runningWorkers ?? []) worker.unref?.();
}

async function loadWasm(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (tf.findBackend('wasm') != null) return; // already initialised (threads fixed for the process)
  const threads = wantedWasmThreads();
  const factory = tf.findBackendFactory('wasm');
  if (threads > 1) {
    // Preparing can fail too (in a bundle the wasm package is not resolvable): then 1 thread.
    let restore: (() => void) | undefined;
    try {
      restore = prepareThreadedWasm(threads);
      wasm.setThreadsCount(threads);
      if (await tf.setBackend('wasm')) {
        wasmThreadCount = wasm.getThreadsCount();
        unrefPoolWorkers(tf.backend());
        return;
      }
    } catch {
      // fall through to the single-threaded build
    } finally {
      restore?.();
    }
    tf.removeBackend('wasm');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (factory != null) tf.registerBackend('wasm', factory, 2);
  }
  wasm.setThreadsCount(1);
  wasmThreadCount = 1;
}

/** The tfjs backend id registered for one of our backend names. */
function tfjsBackendId(name: BackendName): string {
  return name === 'tensorflow-gpu' ? 'tensorflow' : name;
}

let active: BackendName | undefined;

/**
 * Whether `auto` should take webgpu: only on a hardware adapter. A CPU Vulkan driver (lavapipe)
 * trains correctly but slower than wasm, so `auto` passes it over (ask for 'webgpu' by name).
 */
async function webGpuIsAutoWorthy(): Promise<void> {
  const facts = await probeWebGpuAdapter().catch((err: unknown) => {
    throw new BackendUnavailableError((err as Error).message);
  });
  if (facts.isCpu) {
    throw new BackendUnavailableError(
      `the adapter is a CPU implementation (${facts.description || facts.device}: ${facts.cpuReason}); ` +
        'ask for --backend webgpu by name to use it',
    );
  }
}

/**
 * Select and initialise the TF.js backend. `auto` (the default, or `CRAT_BACKEND`) tries
 * webgpu on a hardware adapter, tensorflow-gpu, tensorflow, then wasm. Returns the backend
 * that is now active.
 */
export async function initBackend(choice?: BackendChoice): Promise<BackendName> {
  const wanted = (choice ??
    (process.env.CRAT_BACKEND as BackendChoice | undefined) ??
    'auto') as BackendChoice;
  if (!(BACKEND_CHOICES as readonly string[]).includes(wanted)) {
    throw new BackendUnavailableError(
      `unknown backend '${wanted}'. Valid: ${BACKEND_CHOICES.join(', ')}`,
    );
  }
  const candidates: BackendName[] =
    wanted === 'auto' ? AUTO_ORDER.filter((b) => b === 'wasm' || isBackendInstalled(b)) : [wanted];
  const failures: string[] = [];
  for (const name of candidates) {
    try {
      if (wanted === 'auto' && name === 'webgpu') await webGpuIsAutoWorthy();
      await loadBackend(name);
      const ok = await tf.setBackend(tfjsBackendId(name));
      if (!ok) throw new BackendUnavailableError(`tf.setBackend('${tfjsBackendId(name)}') failed`);
      await tf.ready();
      if (name === 'webgpu') explainSyncReads(tf.backend());
      active = name;
      for (const hook of afterInitHooks) await hook(name);
      return name;
    } catch (err) {
      if (wanted !== 'auto') throw err;
      failures.push(`${name}: ${(err as Error).message}`);
    }
  }
  throw new BackendUnavailableError(`no backend could be initialised:\n  ${failures.join('\n  ')}`);
}

/**
 * Release what keeps the process alive after the work is done (the WebGPU device); the CLI
 * calls it at exit. Safe on any backend and when none was started.
 */
export function teardownBackend(): void {
  if (active === 'webgpu') active = undefined;
  teardownWebGpu();
}

/** The backend made active by `initBackend`, if any. */
export function activeBackend(): BackendName | undefined {
  return active;
}
