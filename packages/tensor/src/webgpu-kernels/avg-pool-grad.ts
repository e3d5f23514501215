// A correct average-pool gradient in WGSL for the webgpu backend, replacing its own kernel:
// tfjs-backend-webgpu multiplies every window by 1 / (full window size), wrong wherever 'same'
// padding clips a window (the forward divides by the clipped count), as the cpu and wasm kernels
// that ../avg-pool-grad.ts replaces.

import * as tf from '@tensorflow/tfjs-core';
import { AvgPoolGrad } from '@tensorflow/tfjs-core';
import { avgPoolGradInfo } from '../avg-pool-grad.js';
import { onBackendInit } from '../backend.js';
import { flatProgram, type WebGpuBackendLike } from './webgpu-program.js';

const UNIFORMS = `inHeight : i32, inWidth : i32, outHeight : i32, outWidth : i32, strideHeight : i32,
  strideWidth : i32, padTop : i32, padLeft : i32, filterHeight : i32, filterWidth : i32, channels : i32,`;

/** Each input pixel sums dy / (clipped window size) over the output windows that contain it. */
const CODE = `
  fn windowSpan(o: i32, stride: i32, pad: i32, window: i32, extent: i32) -> i32 {
    let start = o * stride - pad;
    return min(extent, start + window) - max(0, start);
  }
  fn main(index: i32) {
    if (index < uniforms.size) {
      let c = index % uniforms.channels;
      let pixel = index / uniforms.channels;
      let xx = pixel % uniforms.inWidth;
      let yy = (pixel / uniforms.inWidth) % uniforms.inHeight;
      let b = pixel / (uniforms.inWidth * uniforms.inHeight);
      let py = yy + uniforms.padTop;
      let px = xx + uniforms.padLeft;
      let oy0 = max(0, (py - uniforms.filterHeight + uniforms.strideHeight) / uniforms.strideHeight);
      let oy1 = min(uniforms.outHeight - 1, py / uniforms.strideHeight);
      let ox0 = max(0, (px - uniforms.filterWidth + uniforms.strideWidth) / uniforms.strideWidth);
      let ox1 = min(uniforms.outWidth - 1, px / uniforms.strideWidth);
      var sum = 0.0;
      for (var oy = oy0; oy <= oy1; oy = oy + 1) {
        let h = windowSpan(oy, uniforms.strideHeight, uniforms.padTop, uniforms.filterHeight, uniforms.inHeight);
        for (var ox = ox0; ox <= ox1; ox = ox + 1) {
          let w = windowSpan(ox, uniforms.strideWidth, uniforms.padLeft, uniforms.filterWidth, uniforms.inWidth);
          let o = ((b * uniforms.outHeight + oy) * uniforms.outWidth + ox) * uniforms.channels + c;
          sum = sum + dy[o] / f32(max(1, h * w));
        }
      }
      setOutputAtIndex(index, sum);
    }
  }
`;

function avgPoolGrad(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const dy = args.inputs.dy as tf.TensorInfo;
  const x = args.inputs.input as tf.TensorInfo;
  const info = avgPoolGradInfo(x, args.attrs);
  const program = flatProgram('crat_avg_pool_grad', ['dy'], [...x.shape], CODE, UNIFORMS);
  const int = (v: number) => ({ type: 'int32' as const, data: [v] });
  return (args.backend as WebGpuBackendLike).runWebGPUProgram(program, [dy], 'float32', [
    int(info.inHeight),
    int(info.inWidth),
    int(info.outHeight),
    int(info.outWidth),
    int(info.strideHeight),
    int(info.strideWidth),
    int(info.padInfo.top),
    int(info.padInfo.left),
    int(info.effectiveFilterHeight),
    int(info.effectiveFilterWidth),
    int(info.inChannels),
  ]);
}

/** Replace tfjs-backend-webgpu's AvgPoolGrad (it registers its own when it loads). */
export function registerWebGpuAvgPoolGrad(): void {
  const existing = tf.getKernel(AvgPoolGrad, 'webgpu');
  if (existing?.kernelFunc === (avgPoolGrad as unknown as tf.KernelFunc)) return;
  if (existing != null) tf.unregisterKernel(AvgPoolGrad, 'webgpu');
  tf.registerKernel({
    kernelName: AvgPoolGrad,
    backendName: 'webgpu',
    kernelFunc: avgPoolGrad as unknown as tf.KernelFunc,
  });
}

onBackendInit((name) => {
  if (name === 'webgpu') registerWebGpuAvgPoolGrad();
});
