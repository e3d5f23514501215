import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import './register-gradients.js';

/** The backends `initBackend` knows, best first for `auto`. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendChoice = BackendName | 'auto';

const NATIVE_PACKAGES: Record<'tensorflow-gpu' | 'tensorflow', string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

const AUTO_ORDER: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm'];

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
      await import('@tensorflow/tfjs-backend-wasm');
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

/** The tfjs backend id registered for one of our backend names. */
function tfjsBackendId(name: BackendName): string {
  return name === 'tensorflow-gpu' ? 'tensorflow' : name;
}

let active: BackendName | undefined;

/**
 * Select and initialise the TF.js backend. `auto` (the default, or `CRAT_BACKEND`) tries
 * tensorflow-gpu, tensorflow, then wasm. Returns the backend that is now active.
 */
export async function initBackend(choice?: BackendChoice): Promise<BackendName> {
  const wanted = (choice ??
    (process.env.CRAT_BACKEND as BackendChoice | undefined) ??
    'auto') as BackendChoice;
  const valid: BackendChoice[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
  if (!valid.includes(wanted)) {
    throw new BackendUnavailableError(`unknown backend '${wanted}'. Valid: ${valid.join(', ')}`);
  }
  const candidates: BackendName[] =
    wanted === 'auto' ? AUTO_ORDER.filter((b) => b === 'wasm' || isBackendInstalled(b)) : [wanted];
  const failures: string[] = [];
  for (const name of candidates) {
    try {
      await loadBackend(name);
      const ok = await tf.setBackend(tfjsBackendId(name));
      if (!ok) throw new BackendUnavailableError(`tf.setBackend('${tfjsBackendId(name)}') failed`);
      await tf.ready();
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

/** The backend made active by `initBackend`, if any. */
export function activeBackend(): BackendName | undefined {
  return active;
}
