// variableGradsAsync: the gradients tf.variableGrads gives, with an await in the forward, and
// the engine left as it found it (tensors, scopes, tape) whether the forward succeeds or throws.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { valueAndGradAsync, variableGradsAsync } from '../src/optim/variable-grads-async.js';
import { withoutSyncReads } from '../src/sync-read-guard.js';

interface EngineView {
  state: { gradientDepth: number; activeTape: unknown; scopeStack: unknown[] };
}
const engineState = () => (tf.engine() as unknown as EngineView).state;

function smallNet() {
  const w1 = tf.variable(tf.randomNormal([6, 8], 0, 0.5, 'float32', 1), true, 'vga-w1');
  const w2 = tf.variable(tf.randomNormal([8, 3], 0, 0.5, 'float32', 2), true, 'vga-w2');
  const unused = tf.variable(tf.ones([2]), true, 'vga-unused');
  const x = tf.randomNormal([5, 6], 0, 1, 'float32', 3);
  // The hidden layer's values pick, on the host, which units count (as proposals are picked
  // from the RPN's outputs): the second half of the forward depends on a read of the first.
  const head = () => tf.relu(tf.matMul(x, w1)) as tf.Tensor2D;
  const tail = (h: tf.Tensor2D, values: Float32Array) => {
    const mask = tf.tensor2d(
      Array.from(values, (v) => (v > 0.2 ? 1 : 0.5)),
      h.shape,
    );
    return tf.sum(tf.square(tf.matMul(tf.mul(h, mask), w2))) as tf.Scalar;
  };
  const syncLoss = () => {
    const h = head();
    return tail(h, h.dataSync() as Float32Array);
  };
  const asyncLoss = async () => {
    const h = head();
    const values = (await h.data()) as Float32Array;
    return tail(h, values);
  };
  const vars = [w1, w2, unused];
  const dispose = () => tf.dispose([w1, w2, unused, x]);
  return { syncLoss, asyncLoss, vars, dispose };
}

describe.each(['cpu', 'wasm'] as const)('variableGradsAsync on %s', (backend) => {
  it('gives the gradients of tf.variableGrads bit for bit, with an await in the forward', async () => {
    await initBackend(backend);
    const net = smallNet();
    const ref = tf.variableGrads(net.syncLoss, net.vars);
    const got = await variableGradsAsync(net.asyncLoss, net.vars);
    expect(Array.from(await got.value.data())).toEqual(Array.from(await ref.value.data()));
    expect(Object.keys(got.grads).sort()).toEqual(['vga-w1', 'vga-w2']);
    for (const name of ['vga-w1', 'vga-w2']) {
      expect(Array.from(await got.grads[name]!.data())).toEqual(
        Array.from(await ref.grads[name]!.data()),
      );
    }
    tf.dispose([ref.value, got.value, ...Object.values(got.grads)]);
    tf.dispose(Object.values(ref.grads).filter((g): g is tf.Tensor => g != null));
    net.dispose();
  });

  it('leaves no tensor, scope or tape behind over repeated calls', async () => {
    await initBackend(backend);
    const net = smallNet();
    const scopes = engineState().scopeStack.length;
    let before = -1;
    for (let i = 0; i < 4; i++) {
      const { value, grads } = await variableGradsAsync(net.asyncLoss, net.vars);
      tf.dispose([value, ...Object.values(grads)]);
      if (i === 0) before = tf.memory().numTensors;
      else expect(tf.memory().numTensors).toBe(before);
      expect(engineState().gradientDepth).toBe(0);
      expect(engineState().activeTape).toBeNull();
      expect(engineState().scopeStack.length).toBe(scopes);
    }
    net.dispose();
  });
});

describe('variableGradsAsync engine state (cpu)', () => {
  it('restores depth, scope and tape and frees the forward when the forward throws', async () => {
    await initBackend('cpu');
    const net = smallNet();
    const before = tf.memory().numTensors;
    const scopes = engineState().scopeStack.length;
    const failing = async () => {
      await net.asyncLoss();
      await Promise.resolve();
      throw new Error('forward failed on purpose');
    };
    await expect(variableGradsAsync(failing, net.vars)).rejects.toThrow(/on purpose/);
    expect(engineState().gradientDepth).toBe(0);
    expect(engineState().activeTape).toBeNull();
    expect(engineState().scopeStack.length).toBe(scopes);
    expect(tf.memory().numTensors).toBe(before);
    // And the engine still differentiates afterwards.
    const { value, grads } = await variableGradsAsync(net.asyncLoss, net.vars);
    expect(Object.keys(grads).length).toBe(2);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });

  it('back-propagates untaped, at depth 0, as tf.variableGrads does', async () => {
    await initBackend('cpu');
    const w = tf.variable(tf.tensor1d([1, 2]), true, 'vga-depth-w');
    let depthInBackward = -1;
    const probe = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
      value: tf.clone(args[0] as tf.Tensor),
      gradFunc: (dy: tf.Tensor) => {
        depthInBackward = engineState().gradientDepth;
        return dy;
      },
    }));
    const loss = () => tf.sum(tf.square(probe(w) as tf.Tensor)) as tf.Scalar;
    const ref = tf.variableGrads(loss, [w]);
    expect(depthInBackward).toBe(0);
    depthInBackward = -1;
    const got = await variableGradsAsync(async () => {
      await Promise.resolve();
      return loss();
    }, [w]);
    expect(depthInBackward).toBe(0);
    tf.dispose([ref.value, got.value, ...Object.values(got.grads), w]);
    tf.dispose(Object.values(ref.grads).filter((g): g is tf.Tensor => g != null));
  });

  it('refuses to nest, inside tf.variableGrads or beside another call that is awaiting', async () => {
    await initBackend('cpu');
    const net = smallNet();
    let inner: Promise<unknown> | undefined;
    const { value, grads } = tf.variableGrads(() => {
      inner = variableGradsAsync(net.asyncLoss, net.vars);
      return net.syncLoss();
    }, net.vars);
    await expect(inner).rejects.toThrow(/nesting is not supported/);
    tf.dispose([value, ...Object.values(grads).filter((g): g is tf.Tensor => g != null)]);
    const outer = variableGradsAsync(net.asyncLoss, net.vars);
    await expect(variableGradsAsync(net.asyncLoss, net.vars)).rejects.toThrow(/nesting/);
    const done = await outer;
    tf.dispose([done.value, ...Object.values(done.grads)]);
    expect(engineState().gradientDepth).toBe(0);
    net.dispose();
  });
});

describe('valueAndGradAsync (cpu)', () => {
  it('gives tf.valueAndGrad of an asynchronous function of one tensor, and frees its variable', async () => {
    await initBackend('cpu');
    const x = tf.tensor1d([1, -2, 3]);
    const f = (z: tf.Tensor) => tf.sum(tf.mul(z, z)) as tf.Scalar;
    const ref = tf.valueAndGrad(f)(x);
    const before = tf.memory().numTensors;
    const got = await valueAndGradAsync(async (z) => {
      await z.data();
      return f(z);
    }, x);
    expect(Array.from(await got.grad.data())).toEqual(Array.from(await ref.grad.data()));
    expect((await got.value.data())[0]).toBe((await ref.value.data())[0]);
    tf.dispose([got.value, got.grad]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, ref.value, ref.grad]);
  });
});

describe('withoutSyncReads (cpu)', () => {
  it('makes synchronous reads throw while it runs and restores them after', async () => {
    await initBackend('cpu');
    const t = tf.tensor1d([1, 2]);
    await expect(withoutSyncReads(async () => t.dataSync())).rejects.toThrow(
      /dataSync\(\) called where only asynchronous reads are allowed/,
    );
    await expect(withoutSyncReads(async () => t.arraySync())).rejects.toThrow(/arraySync/);
    expect(await withoutSyncReads(async () => Array.from(await t.data()))).toEqual([1, 2]);
    expect(Array.from(t.dataSync())).toEqual([1, 2]);
    t.dispose();
  });
});
