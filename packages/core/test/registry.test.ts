import { describe, expect, it } from 'vitest';
import { classificationLosses, Registry, RegistryError } from '../src/index.js';

interface Toy {
  name: string;
  p: number;
  q: number;
}

function makeRegistry() {
  const r = new Registry<Toy, { scale: number }>('toy');
  r.register('seesaw', {
    defaults: { p: 0.8, q: 2 },
    create: (o, init) => ({ name: 'seesaw', p: o.p * init.scale, q: o.q }),
  });
  r.register('plain', { defaults: {}, create: () => ({ name: 'plain', p: 0, q: 0 }) });
  return r;
}

describe('Registry', () => {
  it('builds a plug-in from {type, ...options} with defaults filled in', () => {
    const r = makeRegistry();
    expect(r.create({ type: 'seesaw' }, { scale: 1 })).toEqual({ name: 'seesaw', p: 0.8, q: 2 });
    expect(r.create({ type: 'seesaw', q: 3 }, { scale: 2 })).toEqual({
      name: 'seesaw',
      p: 1.6,
      q: 3,
    });
  });

  it('names the known types when the type is unknown', () => {
    const r = makeRegistry();
    expect(() =>
      r.create({ type: 'focal' }, { scale: 1 }, 'configs/x.ts: model.loss'),
    ).toThrowError(
      /configs\/x\.ts: model\.loss: unknown toy type 'focal'\. Known types: plain, seesaw/,
    );
  });

  it('rejects unknown options and lists the valid ones', () => {
    const r = makeRegistry();
    const call = () => r.create({ type: 'seesaw', p: 0.8, gamma: 2 }, { scale: 1 });
    expect(call).toThrowError(RegistryError);
    expect(call).toThrowError(/unknown option 'gamma' for toy 'seesaw'\. Valid options: p, q/);
  });

  it('refuses to register a type twice and lists types sorted', () => {
    const r = makeRegistry();
    expect(() =>
      r.register('plain', { defaults: {}, create: () => ({ name: '', p: 0, q: 0 }) }),
    ).toThrowError(/already registered/);
    expect(r.types()).toEqual(['plain', 'seesaw']);
    expect(r.describe().map((d) => d.type)).toEqual(['plain', 'seesaw']);
  });

  it('shares the process-wide registries through globalThis', async () => {
    const again = await import('../src/registries.js');
    expect(again.classificationLosses).toBe(classificationLosses);
  });
});
