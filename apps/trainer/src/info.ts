// What `crat info` reports: Node, the TF.js backends installed here, the WebGPU adapter, and the
// registered plug-ins.

import { classificationLosses, imageSamplers, taskTransfers } from '@crat/core';
import {
  type BackendName,
  isBackendInstalled,
  probeWebGpuAdapter,
  type WebGpuAdapterFacts,
} from '@crat/tensor';

/** The TF.js backend packages the trainer can use, best first. */
export const BACKEND_PACKAGES: readonly { name: BackendName; pkg: string }[] = [
  { name: 'webgpu', pkg: 'webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0' },
  { name: 'tensorflow-gpu', pkg: '@tensorflow/tfjs-node-gpu' },
  { name: 'tensorflow', pkg: '@tensorflow/tfjs-node' },
  { name: 'wasm', pkg: '@tensorflow/tfjs-backend-wasm' },
  { name: 'cpu', pkg: '@tensorflow/tfjs-backend-cpu' },
];

export interface MachineInfo {
  node: string;
  platform: string;
  cpus: number;
  backends: { name: string; pkg: string; installed: boolean }[];
  /** The adapter Dawn offers, or why there is none (packages or Vulkan driver missing). */
  webgpu: { adapter: WebGpuAdapterFacts } | { unavailable: string };
  plugins: Record<string, { type: string; description: string }[]>;
}

export async function collectInfo(): Promise<MachineInfo> {
  const { availableParallelism } = await import('node:os');
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: availableParallelism(),
    backends: BACKEND_PACKAGES.map((b) => ({ ...b, installed: isBackendInstalled(b.name) })),
    webgpu: await probeWebGpuAdapter().then(
      (adapter) => ({ adapter }),
      (err: unknown) => ({ unavailable: (err as Error).message }),
    ),
    plugins: {
      'classification losses': classificationLosses.describe(),
      'task transfers': taskTransfers.describe(),
      'image samplers': imageSamplers.describe(),
    },
  };
}

function formatAdapter(webgpu: MachineInfo['webgpu']): string[] {
  if ('unavailable' in webgpu) return ['webgpu adapter', `  none: ${webgpu.unavailable}`];
  const a = webgpu.adapter;
  const l = a.limits;
  return [
    'webgpu adapter',
    `  ${a.description || a.device} (vendor ${a.vendor || '?'}, architecture ${a.architecture || '?'})`,
    `  ${a.isCpu ? `a CPU implementation (${a.cpuReason}): auto skips it` : 'a hardware adapter: auto uses it'}`,
    `  limits: buffer ${l.maxBufferSize}, storage binding ${l.maxStorageBufferBindingSize}, ` +
      `workgroup storage ${l.maxComputeWorkgroupStorageSize}, invocations ${l.maxComputeInvocationsPerWorkgroup}, ` +
      `workgroups/dim ${l.maxComputeWorkgroupsPerDimension}, storage buffers/stage ${l.maxStorageBuffersPerShaderStage}`,
  ];
}

export function formatInfo(info: MachineInfo): string {
  const lines = [
    `node        ${info.node} (${info.platform}, ${info.cpus} cores)`,
    'backends',
    ...info.backends.map(
      (b) =>
        `  ${b.name.padEnd(15)} ${b.installed ? 'available' : `not installed (pnpm add ${b.pkg})`}`,
    ),
    ...formatAdapter(info.webgpu),
  ];
  for (const [kind, list] of Object.entries(info.plugins)) {
    lines.push(kind);
    if (list.length === 0) lines.push('  (none registered)');
    for (const p of list) lines.push(`  ${p.type.padEnd(15)} ${p.description}`);
  }
  return lines.join('\n');
}
