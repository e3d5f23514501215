// What `crat info` reports: Node, the TF.js backends installed here, and the registered plug-ins.

import { classificationLosses, imageSamplers, taskTransfers } from '@crat/core';
import { type BackendName, isBackendInstalled } from '@crat/tensor';

/** The TF.js backend packages the trainer can use, best first. */
export const BACKEND_PACKAGES: readonly { name: BackendName; pkg: string }[] = [
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
  plugins: Record<string, { type: string; description: string }[]>;
}

export async function collectInfo(): Promise<MachineInfo> {
  const { availableParallelism } = await import('node:os');
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: availableParallelism(),
    backends: BACKEND_PACKAGES.map((b) => ({ ...b, installed: isBackendInstalled(b.name) })),
    plugins: {
      'classification losses': classificationLosses.describe(),
      'task transfers': taskTransfers.describe(),
      'image samplers': imageSamplers.describe(),
    },
  };
}

export function formatInfo(info: MachineInfo): string {
  const lines = [
    `node        ${info.node} (${info.platform}, ${info.cpus} cores)`,
    'backends',
    ...info.backends.map(
      (b) =>
        `  ${b.name.padEnd(15)} ${b.installed ? 'available' : `not installed (pnpm add ${b.pkg})`}`,
    ),
  ];
  for (const [kind, list] of Object.entries(info.plugins)) {
    lines.push(kind);
    if (list.length === 0) lines.push('  (none registered)');
    for (const p of list) lines.push(`  ${p.type.padEnd(15)} ${p.description}`);
  }
  return lines.join('\n');
}
