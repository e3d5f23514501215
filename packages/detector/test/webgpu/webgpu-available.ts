// Whether the detector's webgpu suites run here (see @crat/test-fixtures' skipWebGpuSuites),
// and when they do, webgpu started with cpu beside it for the comparisons.
import { initBackend, webGpuUnavailableReason } from '@crat/tensor';
import { skipWebGpuSuites } from '@crat/test-fixtures';

/** True when the suites skip; otherwise webgpu is the active backend. */
export async function startWebGpuOrSkip(): Promise<boolean> {
  if (skipWebGpuSuites(await webGpuUnavailableReason())) return true;
  await initBackend('cpu');
  await initBackend('webgpu');
  return false;
}
