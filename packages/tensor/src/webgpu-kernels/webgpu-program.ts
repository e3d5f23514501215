// The slice of tfjs-backend-webgpu's program API the project's WGSL kernels use (typed here so
// the package stays optional), and the flat one-thread-per-output dispatch they share.

import type * as tf from '@tensorflow/tfjs-core';

/**
 * A compute program as tfjs-backend-webgpu runs it (its `WebGPUProgram`): the backend declares
 * one storage array per `variableNames` entry (named so), `result` for the output, a `uniforms`
 * struct (shapes, `size` when `size` is set, then the fields in `uniforms`), and calls
 * `main(index)` with the flat thread index. Everything not in the shader key must be a uniform.
 */
export interface WgslProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size?: boolean;
  uniforms?: string;
  getUserCode: () => string;
}

export type ProgramUniform = { type: 'int32' | 'float32'; data: number[] }[];

/** The WebGPU backend's methods these kernels call. */
export interface WebGpuBackendLike {
  runWebGPUProgram(
    program: WgslProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    uniforms?: ProgramUniform,
  ): tf.TensorInfo;
  makeTensorInfo(
    shape: number[],
    dtype: tf.DataType,
    values?: Float32Array | Int32Array,
  ): tf.TensorInfo;
  disposeData(dataId: tf.DataId): boolean;
}

/** One thread per output element, `workgroup` threads a group. */
export function flatProgram(
  shaderKey: string,
  variableNames: string[],
  outputShape: number[],
  userCode: string,
  uniforms = '',
  workgroup = 64,
): WgslProgram {
  const size = outputShape.reduce((a, b) => a * b, 1);
  return {
    variableNames,
    outputShape,
    shaderKey,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.max(1, Math.ceil(size / workgroup)), 1, 1],
    workgroupSize: [workgroup, 1, 1],
    size: true,
    uniforms,
    getUserCode: () => userCode,
  };
}

/**
 * One workgroup of `workgroup` threads per output element (`groups` of them): for reductions
 * that share partial sums through workgroup memory. The backend reshapes a dispatch wider than
 * its per-dimension limit, and `main(index)` still gets the flat thread index.
 */
export function workgroupPerOutputProgram(
  shaderKey: string,
  variableNames: string[],
  outputShape: number[],
  groups: number,
  userCode: string,
  uniforms = '',
  workgroup = 64,
): WgslProgram {
  return {
    variableNames,
    outputShape,
    shaderKey: `${shaderKey}_wg${workgroup}`,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.max(1, groups), 1, 1],
    workgroupSize: [workgroup, 1, 1],
    size: true,
    uniforms,
    getUserCode: () => userCode,
  };
}

/**
 * WGSL for a workgroup tree sum of `value` (an f32 per thread) into `partial[0]`, over a
 * workgroup of `workgroup` threads (a power of two). Declares the shared array it needs.
 */
export function workgroupSumSnippet(name: string, workgroup: number): string {
  return `
    var<workgroup> ${name}: array<f32, ${workgroup}>;
    fn ${name}Sum(value: f32) -> f32 {
      ${name}[localId.x] = value;
      workgroupBarrier();
      for (var half = ${workgroup / 2}u; half > 0u; half = half / 2u) {
        if (localId.x < half) {
          ${name}[localId.x] = ${name}[localId.x] + ${name}[localId.x + half];
        }
        workgroupBarrier();
      }
      let total = ${name}[0];
      workgroupBarrier();
      return total;
    }
  `;
}

/** Upload host arrays as temporary backend tensors; `release` frees them after the programs ran. */
export function uploads(backend: WebGpuBackendLike) {
  const made: tf.TensorInfo[] = [];
  return {
    int32(values: Int32Array): tf.TensorInfo {
      // A zero-length storage binding is invalid: give empty arrays one unused element.
      const v = values.length > 0 ? values : new Int32Array(1);
      const t = backend.makeTensorInfo([v.length], 'int32', v);
      made.push(t);
      return t;
    },
    float32(values: Float32Array): tf.TensorInfo {
      const v = values.length > 0 ? values : new Float32Array(1);
      const t = backend.makeTensorInfo([v.length], 'float32', v);
      made.push(t);
      return t;
    },
    /** A backend output made only to feed a later program. */
    intermediate(t: tf.TensorInfo): tf.TensorInfo {
      made.push(t);
      return t;
    },
    release(): void {
      for (const t of made) backend.disposeData(t.dataId);
    },
  };
}
