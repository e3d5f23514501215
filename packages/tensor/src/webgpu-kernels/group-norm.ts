// GroupNorm and its three gradients in WGSL for the webgpu backend: per-(image, group) statistics
// and per-channel sums as workgroup tree reductions, the rest elementwise. Statistics are two
// passes in f32 (mean, then the centred variance), since WGSL has no float64.

import type * as tf from '@tensorflow/tfjs-core';
import type { GroupNormAttrs } from '../ops/group-norm.js';
import {
  flatProgram,
  type ProgramUniform,
  uploads,
  type WebGpuBackendLike,
  workgroupPerOutputProgram,
  workgroupSumSnippet,
} from './webgpu-program.js';

const WORKGROUP = 64;

const LAYOUT_UNIFORMS = 'hw : i32, channels : i32, groupChannels : i32, pixels : i32, eps : f32,';

/** WGSL: shape facts from the uniforms, and the flat index of element k of group (n, g). */
const LAYOUT_CODE = `
  fn groupsPerImage() -> i32 { return uniforms.channels / uniforms.groupChannels; }
  fn groupElement(n: i32, g: i32, k: i32) -> i32 {
    let p = k / uniforms.groupChannels;
    return (n * uniforms.hw + p) * uniforms.channels + g * uniforms.groupChannels
      + (k - p * uniforms.groupChannels);
  }
  fn statsSlot(index: i32) -> i32 {
    let c = index % uniforms.channels;
    let n = index / (uniforms.hw * uniforms.channels);
    return n * groupsPerImage() + c / uniforms.groupChannels;
  }
`;

/** WGSL: the normalised value of element `index`, for programs bound to `x` and `stats`. */
const XHAT_CODE = `
  fn xhatAt(index: i32) -> f32 {
    let s = statsSlot(index);
    return (x[index] - stats[2 * s]) * stats[2 * s + 1];
  }
`;

/**
 * One workgroup per (image, group), writing two values: `first`/`second` are WGSL expressions of
 * element `i`, averaged over the group; with `centred`, `second` is evaluated after the mean of
 * `first` is known as `mean` (the variance pass) and the pair written is (mean, rstd).
 */
function groupReduceCode(first: string, second: string, centred: boolean): string {
  return `
    ${LAYOUT_CODE}
    ${centred ? '' : XHAT_CODE}
    ${workgroupSumSnippet('partial', WORKGROUP)}
    fn main(index: i32) {
      let s = index / ${WORKGROUP};
      let lid = i32(localId.x);
      let n = s / groupsPerImage();
      let g = s - n * groupsPerImage();
      let count = uniforms.hw * uniforms.groupChannels;
      let valid = 2 * s < uniforms.size;
      var a = 0.0;
      if (valid) {
        for (var k = lid; k < count; k = k + ${WORKGROUP}) {
          let i = groupElement(n, g, k);
          a = a + ${first};
        }
      }
      let mean = partialSum(a) / f32(count);
      var b = 0.0;
      if (valid) {
        for (var k = lid; k < count; k = k + ${WORKGROUP}) {
          let i = groupElement(n, g, k);
          b = b + ${second};
        }
      }
      let second = partialSum(b) / f32(count);
      if (valid && lid == 0) {
        setOutputAtIndex(2 * s, mean);
        setOutputAtIndex(2 * s + 1, ${centred ? 'inverseSqrt(second + uniforms.eps)' : 'second'});
      }
    }
  `;
}

const STATS_CODE = groupReduceCode('x[i]', '(x[i] - mean) * (x[i] - mean)', true);
const MOMENTS_CODE = groupReduceCode(
  'dy[i] * gamma[i % uniforms.channels]',
  'dy[i] * gamma[i % uniforms.channels] * xhatAt(i)',
  false,
);

const NORMALIZE_CODE = `
  ${LAYOUT_CODE}
  ${XHAT_CODE}
  fn main(index: i32) {
    if (index < uniforms.size) {
      let c = index % uniforms.channels;
      setOutputAtIndex(index, xhatAt(index) * gamma[c] + beta[c]);
    }
  }
`;

const DX_CODE = `
  ${LAYOUT_CODE}
  ${XHAT_CODE}
  fn main(index: i32) {
    if (index < uniforms.size) {
      let s = statsSlot(index);
      let c = index % uniforms.channels;
      let v = dy[index] * gamma[c] - moments[2 * s] - xhatAt(index) * moments[2 * s + 1];
      setOutputAtIndex(index, stats[2 * s + 1] * v);
    }
  }
`;

/** One workgroup per channel: the sum over every image's pixels of `term` (of element `i`). */
function channelSumCode(term: string, withXhat: boolean): string {
  return `
    ${LAYOUT_CODE}
    ${withXhat ? XHAT_CODE : ''}
    ${workgroupSumSnippet('partial', WORKGROUP)}
    fn main(index: i32) {
      let c = index / ${WORKGROUP};
      let lid = i32(localId.x);
      var a = 0.0;
      if (c < uniforms.size) {
        for (var k = lid; k < uniforms.pixels; k = k + ${WORKGROUP}) {
          let i = k * uniforms.channels + c;
          a = a + ${term};
        }
      }
      let sum = partialSum(a);
      if (c < uniforms.size && lid == 0) {
        setOutputAtIndex(c, sum);
      }
    }
  `;
}

const DBETA_CODE = channelSumCode('dy[i]', false);
const DGAMMA_CODE = channelSumCode('dy[i] * xhatAt(i)', true);

function layoutUniforms(shape: readonly number[], numGroups: number, eps: number): ProgramUniform {
  const [n, h, w, c] = shape;
  return [
    { type: 'int32', data: [h * w] },
    { type: 'int32', data: [c] },
    { type: 'int32', data: [c / numGroups] },
    { type: 'int32', data: [n * h * w] },
    { type: 'float32', data: [eps] },
  ];
}

/** Runs the group-norm programs for one kernel call on one input shape. */
function runner(backend: WebGpuBackendLike, shape: readonly number[], attrs: GroupNormAttrs) {
  const uniforms = layoutUniforms(shape, attrs.numGroups, attrs.eps);
  const slots = shape[0] * attrs.numGroups;
  return {
    perGroup(key: string, code: string, names: string[], inputs: tf.TensorInfo[]) {
      const program = workgroupPerOutputProgram(
        key,
        names,
        [slots, 2],
        slots,
        code,
        LAYOUT_UNIFORMS,
        WORKGROUP,
      );
      return backend.runWebGPUProgram(program, inputs, 'float32', uniforms);
    },
    perChannel(key: string, code: string, names: string[], inputs: tf.TensorInfo[]) {
      const c = shape[3];
      const program = workgroupPerOutputProgram(
        key,
        names,
        [c],
        c,
        code,
        LAYOUT_UNIFORMS,
        WORKGROUP,
      );
      return backend.runWebGPUProgram(program, inputs, 'float32', uniforms);
    },
    elementwise(key: string, code: string, names: string[], inputs: tf.TensorInfo[]) {
      const program = flatProgram(key, names, [...shape], code, LAYOUT_UNIFORMS);
      return backend.runWebGPUProgram(program, inputs, 'float32', uniforms);
    },
  };
}

function forwardKernel(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as WebGpuBackendLike;
  const x = args.inputs.x as tf.TensorInfo;
  const run = runner(backend, x.shape, args.attrs as unknown as GroupNormAttrs);
  const up = uploads(backend);
  const stats = up.intermediate(run.perGroup('crat_gn_stats', STATS_CODE, ['x'], [x]));
  const y = run.elementwise(
    'crat_gn_normalize',
    NORMALIZE_CODE,
    ['x', 'stats', 'gamma', 'beta'],
    [x, stats, args.inputs.gamma as tf.TensorInfo, args.inputs.beta as tf.TensorInfo],
  );
  up.release();
  return y;
}

/** One of the three gradients (`attrs.wrt`), as the host kernel in ops/group-norm.ts. */
function gradKernel(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const attrs = args.attrs as unknown as GroupNormAttrs & { wrt: 'x' | 'gamma' | 'beta' };
  const backend = args.backend as WebGpuBackendLike;
  const x = args.inputs.x as tf.TensorInfo;
  const dy = args.inputs.dy as tf.TensorInfo;
  const gamma = args.inputs.gamma as tf.TensorInfo;
  const run = runner(backend, x.shape, attrs);
  if (attrs.wrt === 'beta') return run.perChannel('crat_gn_dbeta', DBETA_CODE, ['dy'], [dy]);
  const up = uploads(backend);
  const stats = up.intermediate(run.perGroup('crat_gn_stats', STATS_CODE, ['x'], [x]));
  let out: tf.TensorInfo;
  if (attrs.wrt === 'gamma') {
    out = run.perChannel('crat_gn_dgamma', DGAMMA_CODE, ['x', 'stats', 'dy'], [x, stats, dy]);
  } else {
    const names = ['x', 'stats', 'dy', 'gamma'];
    const moments = up.intermediate(
      run.perGroup('crat_gn_moments', MOMENTS_CODE, names, [x, stats, dy, gamma]),
    );
    out = run.elementwise(
      'crat_gn_dx',
      DX_CODE,
      [...names, 'moments'],
      [x, stats, dy, gamma, moments],
    );
  }
  up.release();
  return out;
}

export const WEBGPU_GROUP_NORM_KERNELS = {
  forward: forwardKernel,
  grad: gradKernel,
};
