// Whether the webgpu suites can run here: they skip, saying why, only when the webgpu packages
// or a Vulkan adapter are missing (and fail instead when CRAT_REQUIRE_WEBGPU=1, as in CI).

import { skipWebGpuSuites } from '@crat/test-fixtures';
import { initBackend, webGpuUnavailableReason } from '../../src/index.js';

/** '' when webgpu is started (and cpu beside it), else the reason the suites skip. */
export async function startWebGpuOrReason(): Promise<string> {
  const reason = await webGpuUnavailableReason();
  if (skipWebGpuSuites(reason)) return reason;
  await initBackend('cpu');
  await initBackend('webgpu');
  return '';
}
