// The one config deep merge: objects merge, arrays and scalars replace, _delete_ and plug-in type changes replace.
import { describe, expect, it } from 'vitest';
import { deepMerge } from '../src/config-merge.js';

describe('deepMerge', () => {
  it('merges objects, replaces arrays and scalars, and leaves the inputs alone', () => {
    const base = { a: { x: 1, y: [1, 2, 3] }, b: 2 };
    const over = { a: { y: [9] }, c: 3 };
    expect(deepMerge(base, over)).toEqual({ a: { x: 1, y: [9] }, b: 2, c: 3 });
    expect(base).toEqual({ a: { x: 1, y: [1, 2, 3] }, b: 2 });
  });

  it('replaces with _delete_, with null, and when a plug-in type changes', () => {
    expect(deepMerge({ a: { x: 1, y: 2 } }, { a: { _delete_: true, z: 3 } })).toEqual({
      a: { z: 3 },
    });
    expect(deepMerge({ a: { x: 1 } }, { a: null })).toEqual({ a: null });
    expect(
      deepMerge({ s: { type: 'repeat-factor', threshold: 0.001 } }, { s: { type: 'class-aware' } }),
    ).toEqual({
      s: { type: 'class-aware' },
    });
    expect(deepMerge({ s: { type: 'seesaw', p: 0.8 } }, { s: { type: 'seesaw', q: 2 } })).toEqual({
      s: { type: 'seesaw', p: 0.8, q: 2 },
    });
  });
});
