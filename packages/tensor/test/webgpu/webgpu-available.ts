// Whether the webgpu suites can run here: they skip, saying why, only when the webgpu packages
// or a Vulkan adapter are missing (and fail instead when CRAT_REQUIRE_WEBGPU=1, as in CI).

import { initBackend, isBackendInstalled, probeWebGpuAdapter } from '../../src/index.js';

/** '' when webgpu is started (and cpu beside it), else the reason the suites skip. */
export async function startWebGpuOrReason(): Promise<string> {
  let reason = '';
  if (!isBackendInstalled('webgpu')) {
    reason = 'the optional packages webgpu / @tensorflow/tfjs-backend-webgpu are not installed';
  } else {
    try {
      await probeWebGpuAdapter();
    } catch (err) {
      const message = (err as Error).message;
      if (!message.includes('no Vulkan adapter')) throw err;
      reason = message;
    }
  }
  if (reason !== '') {
    if (process.env.CRAT_REQUIRE_WEBGPU === '1') {
      throw new Error(`CRAT_REQUIRE_WEBGPU=1 but webgpu cannot run: ${reason}`);
    }
    console.warn(`[webgpu suites skipped] ${reason}`);
    return reason;
  }
  await initBackend('cpu');
  await initBackend('webgpu');
  return '';
}
