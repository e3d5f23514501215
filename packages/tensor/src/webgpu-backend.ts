// Starting the WebGPU backend in Node (Dawn's `dawn.node` from the npm package `webgpu` under
// @tensorflow/tfjs-backend-webgpu), describing its adapter, and tearing it down so the process exits.

import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';

/** What the WebGPU adapter says about itself, for `crat info` and for `auto`'s choice. */
export interface WebGpuAdapterFacts {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for a software (CPU) implementation such as Mesa's lavapipe or SwiftShader. */
  isCpu: boolean;
  /** Why `isCpu` was decided (the adapter field that said so), or '' for a hardware adapter. */
  cpuReason: string;
  limits: {
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxComputeWorkgroupsPerDimension: number;
    maxStorageBuffersPerShaderStage: number;
  };
}

export const WEBGPU_PACKAGES = ['webgpu', '@tensorflow/tfjs-backend-webgpu'] as const;

/** The subset of a WebGPU adapter read here (typed locally: `@webgpu/types` is not a dependency). */
interface AdapterLike {
  isFallbackAdapter?: boolean;
  info?: Record<string, unknown>;
  limits: Record<string, number>;
}
interface GpuLike {
  requestAdapter(opts?: { powerPreference?: string }): Promise<AdapterLike | null>;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

const require = createRequire(import.meta.url);

/** The first of the WebGPU packages that cannot be resolved, if any. */
export function missingWebGpuPackage(): string | undefined {
  for (const pkg of WEBGPU_PACKAGES) {
    try {
      require.resolve(pkg);
    } catch {
      return pkg;
    }
  }
  return undefined;
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|software|softpipe|warp/i;

/**
 * Whether an adapter is a CPU implementation. Dawn marks lavapipe and SwiftShader with
 * `isFallbackAdapter` (on the adapter in older builds, on `info` in newer ones) and Mesa reports
 * architecture 'software'; the names are checked too, in case a build reports neither.
 */
export function cpuAdapterReason(adapter: AdapterLike): string {
  const info = adapter.info ?? {};
  if (adapter.isFallbackAdapter === true || info.isFallbackAdapter === true)
    return 'isFallbackAdapter';
  for (const field of ['architecture', 'device', 'description', 'vendor']) {
    const value = info[field];
    if (typeof value === 'string' && SOFTWARE_NAMES.test(value)) return `${field} '${value}'`;
  }
  return '';
}

function factsOf(adapter: AdapterLike): WebGpuAdapterFacts {
  const info = adapter.info ?? {};
  const text = (field: string) => (typeof info[field] === 'string' ? (info[field] as string) : '');
  const l = adapter.limits;
  const cpuReason = cpuAdapterReason(adapter);
  return {
    vendor: text('vendor'),
    architecture: text('architecture'),
    device: text('device'),
    description: text('description'),
    isCpu: cpuReason !== '',
    cpuReason,
    limits: {
      maxBufferSize: l.maxBufferSize,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    },
  };
}

export class WebGpuUnavailableError extends Error {
  override name = 'WebGpuUnavailableError';
}

const NO_ADAPTER_HINT =
  'Dawn found no Vulkan adapter. On a GPU machine install the driver with its Vulkan ICD ' +
  "(in containers NVIDIA_DRIVER_CAPABILITIES must include 'graphics'); for a CPU adapter " +
  'install Mesa 25 lavapipe (Debian 12: `apt-get install -t bookworm-backports mesa-vulkan-drivers`; ' +
  "Debian 12's own Mesa 22.3 is rejected by Dawn).";

/** The priority tfjs-backend-webgpu registers with (kept when re-registering its factory). */
const WEBGPU_PRIORITY = 3;

let gpu: GpuLike | undefined;
let facts: WebGpuAdapterFacts | undefined;
let navigatorBefore: PropertyDescriptor | undefined;
let navigatorSet = false;

/**
 * Why an optional package's import failed: not installed (with how to install both), or
 * installed but broken. Resolution is not checked first: in a bundle the packages import fine
 * without being resolvable.
 */
function importFailure(pkg: string, err: unknown): WebGpuUnavailableError {
  const code = (err as { code?: string }).code;
  const dawnMissing = String((err as Error).message).includes('dawn.node');
  if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && !dawnMissing) {
    return new WebGpuUnavailableError(
      `backend 'webgpu' needs ${WEBGPU_PACKAGES.join(' and ')}; ${pkg} is not installed. ` +
        'Install them with `pnpm add webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0` ' +
        '(optional dependencies of @crat/tensor: a prebuilt dawn.node, no download at install).',
    );
  }
  return new WebGpuUnavailableError(
    `backend 'webgpu': ${pkg} is installed but failed to load: ${(err as Error).message}`,
  );
}

async function dawn(): Promise<GpuLike> {
  if (gpu != null) return gpu;
  let mod: DawnModule;
  try {
    mod = (await import('webgpu')) as unknown as DawnModule;
  } catch (err) {
    throw importFailure('webgpu', err);
  }
  // tfjs-backend-webgpu reads GPUBufferUsage, GPUMapMode, ... as globals, as in a browser.
  for (const [name, value] of Object.entries(mod.globals)) {
    if (!(name in globalThis))
      Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  gpu = mod.create([]);
  return gpu;
}

/**
 * The adapter Dawn offers (high-performance preference, as tfjs-backend-webgpu asks), without
 * starting the backend; throws WebGpuUnavailableError when the packages or an adapter are missing.
 */
export async function probeWebGpuAdapter(): Promise<WebGpuAdapterFacts> {
  if (facts != null) return facts;
  const adapter = await (await dawn()).requestAdapter({ powerPreference: 'high-performance' });
  if (adapter == null) throw new WebGpuUnavailableError(`backend 'webgpu': ${NO_ADAPTER_HINT}`);
  facts = factsOf(adapter);
  return facts;
}

/**
 * Why webgpu cannot start here, or '' when it can: the optional packages are missing, or Dawn
 * finds no Vulkan adapter. Any other failure (a broken install) is thrown, not explained away.
 */
export async function webGpuUnavailableReason(): Promise<string> {
  const missing = missingWebGpuPackage();
  if (missing != null) return `the optional package ${missing} is not installed`;
  try {
    await probeWebGpuAdapter();
    return '';
  } catch (err) {
    if (err instanceof WebGpuUnavailableError && err.message.includes(NO_ADAPTER_HINT))
      return err.message;
    throw err;
  }
}

/**
 * Make `navigator.gpu` Dawn's GPU (Node 20 has no navigator; Node 21+ has one without `gpu`)
 * and load tfjs-backend-webgpu, which registers the 'webgpu' backend only if it finds one.
 */
export async function loadWebGpu(): Promise<WebGpuAdapterFacts> {
  const adapterFacts = await probeWebGpuAdapter();
  if (!navigatorSet) {
    navigatorBefore = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    const base = (globalThis as { navigator?: object }).navigator ?? {};
    Object.defineProperty(globalThis, 'navigator', {
      value: Object.assign(Object.create(base), { gpu }),
      configurable: true,
      writable: true,
    });
    navigatorSet = true;
  }
  try {
    await import('@tensorflow/tfjs-backend-webgpu');
  } catch (err) {
    throw importFailure('@tensorflow/tfjs-backend-webgpu', err);
  }
  if (tf.findBackendFactory('webgpu') == null) {
    throw new WebGpuUnavailableError(
      "backend 'webgpu': @tensorflow/tfjs-backend-webgpu did not register (it was loaded before navigator.gpu was set)",
    );
  }
  return adapterFacts;
}

/**
 * Make a synchronous read of a GPU-resident tensor fail with a message that says what to do:
 * tfjs-backend-webgpu reads those through an OffscreenCanvas, which Node lacks, and would throw
 * only `OffscreenCanvas is not defined`. Reads of values still on the host are unaffected.
 */
export function explainSyncReads(backend: unknown): void {
  const b = backend as { readSync?: (dataId: unknown) => unknown; syncReadsExplained?: boolean };
  if (typeof b.readSync !== 'function' || b.syncReadsExplained) return;
  const readSync = b.readSync.bind(backend);
  b.readSync = (dataId: unknown) => {
    try {
      return readSync(dataId);
    } catch (err) {
      if (err instanceof ReferenceError && err.message.includes('OffscreenCanvas')) {
        throw new Error(
          'webgpu: a synchronous read (dataSync / arraySync / bufferSync) of a tensor on the GPU ' +
            'is not possible in Node; read it with `await tensor.data()` / `array()` instead',
        );
      }
      throw err;
    }
  };
  b.syncReadsExplained = true;
}

/** The adapter of the started (or probed) WebGPU backend, if any. */
export function webGpuAdapterFacts(): WebGpuAdapterFacts | undefined {
  return facts;
}

/**
 * Dispose the WebGPU backend and restore `navigator`: Dawn's device keeps the event loop alive
 * while it is reachable, so a CLI calls this before it exits. Safe to call when never started.
 */
export function teardownWebGpu(): void {
  if (tf.findBackend('webgpu') != null) {
    // Keep the factory registered, so a later initBackend('webgpu') starts a fresh device.
    const factory = tf.findBackendFactory('webgpu');
    tf.removeBackend('webgpu');
    if (factory != null) tf.registerBackend('webgpu', factory, WEBGPU_PRIORITY);
  }
  if (navigatorSet) {
    if (navigatorBefore != null) Object.defineProperty(globalThis, 'navigator', navigatorBefore);
    else delete (globalThis as { navigator?: unknown }).navigator;
    navigatorSet = false;
  }
}
