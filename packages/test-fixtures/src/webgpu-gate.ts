// Whether a package's webgpu suites run: they skip, printing why, only when webgpu cannot start
// here (packages or Vulkan adapter missing), and fail instead under CRAT_REQUIRE_WEBGPU=1 (CI).

/**
 * Given `webGpuUnavailableReason()`'s answer ('' = webgpu can start), return whether to skip:
 * throws when CRAT_REQUIRE_WEBGPU=1 and there is a reason, else prints the reason and skips.
 */
export function skipWebGpuSuites(reason: string): boolean {
  if (reason === '') return false;
  if (process.env.CRAT_REQUIRE_WEBGPU === '1') {
    throw new Error(`CRAT_REQUIRE_WEBGPU=1 but webgpu cannot run: ${reason}`);
  }
  console.warn(`[webgpu suites skipped] ${reason}`);
  return true;
}
