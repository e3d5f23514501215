import { initBackend } from '@crat/tensor';

/** Backends every numeric test runs on. */
export const BACKENDS = ['cpu', 'wasm'] as const;

export async function useBackend(name: (typeof BACKENDS)[number]): Promise<void> {
  await initBackend(name);
}
