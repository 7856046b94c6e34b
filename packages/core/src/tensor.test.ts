import { describe, expect, it } from 'vitest';
import { Generator, arange, cast, eye, full, ones, rand, randint, randn, tensor, zeros, mean, variance } from './index';

describe('tensor', () => {
  it('builds from nested arrays with shape, dtype and values', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensor(7, { dtype: 'float64' }).item()).toBe(7);
    expect(tensor(7).shape).toEqual([]);
  });

  it('takes typed arrays with a shape, keeping their dtype', () => {
    const t = tensor(new Int32Array([1, 2, 3, 4]), { shape: [2, 2] });
    expect(t.dtype).toBe('int32');
    expect(t.toArray()).toEqual([[1, 2], [3, 4]]);
  });

  it('rejects ragged arrays and mismatched shapes, naming the problem', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/tensor: ragged nested array .*shape \[2,2\]/);
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/tensor: 3 values cannot take shape \[2,2\]/);
  });

  it('item() needs exactly one element', () => {
    expect(() => tensor([1, 2]).item()).toThrow(/item: tensor of shape \[2\] has 2 elements/);
  });

  it('only float tensors can require grad', () => {
    expect(() => tensor([1], { dtype: 'int32', requiresGrad: true })).toThrow(/requiresGrad: only float tensors/);
  });

  it('cast converts dtypes (float → int32 truncates)', () => {
    const t = cast(tensor([1.7, -2.7], { dtype: 'float64' }), 'int32');
    expect(Array.from(t.data)).toEqual([1, -2]);
    expect(cast(t, 'float32').dtype).toBe('float32');
  });
});

describe('factories', () => {
  it('zeros / ones / full / eye / arange', () => {
    expect(zeros([2, 2]).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(ones([3], { dtype: 'float64' }).data).toBeInstanceOf(Float64Array);
    expect(full([2], 3.5).toArray()).toEqual([3.5, 3.5]);
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(() => arange(0, 1, 0)).toThrow(/arange: step must be finite and non-zero/);
    expect(() => zeros([2, -1])).toThrow(/zeros: invalid shape \[2,-1\]/);
  });
});

describe('Generator', () => {
  // Reference values from an independent Python implementation of splitmix32 seeding + xoshiro128**
  // (the algorithm of Blackman & Vigna), written from the paper's reference C code.
  it('matches an independent implementation of xoshiro128** bit for bit', () => {
    const g = new Generator(0);
    expect([g.nextUint32(), g.nextUint32(), g.nextUint32(), g.nextUint32()]).toEqual([3809008728, 1133695204, 53579671, 2891528803]);
    const h = new Generator(42);
    expect([h.nextUint32(), h.nextUint32(), h.nextUint32(), h.nextUint32()]).toEqual([2837322924, 544945897, 479756282, 3500138142]);
    expect(new Generator(2 ** 40 + 7).nextUint32()).toBe(2801414588);
    expect(new Generator(0).random()).toBe(0.8868539502021594);
  });

  it('same seed, same stream; state round-trips mid-stream', () => {
    const a = new Generator(7);
    const b = new Generator(7);
    expect(Array.from(randn([5], { generator: a }).data)).toEqual(Array.from(randn([5], { generator: b }).data));
    a.normal();
    const state = a.getState();
    const next = [a.normal(), a.random(), a.randint(0, 10)];
    const c = new Generator(1).setState(state);
    expect([c.normal(), c.random(), c.randint(0, 10)]).toEqual(next);
  });

  it('draws from the right distributions', () => {
    const g = new Generator(3);
    const n = randn([20000], { generator: g, dtype: 'float64' });
    expect(Math.abs(mean(n).item())).toBeLessThan(0.03);
    expect(Math.abs(variance(n).item() - 1)).toBeLessThan(0.04);
    const u = rand([20000], { generator: g, dtype: 'float64' });
    expect(Math.abs(mean(u).item() - 0.5)).toBeLessThan(0.01);
    expect(Math.min(...u.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u.data)).toBeLessThan(1);
    const r = randint(-2, 3, [5000], { generator: g });
    expect(r.dtype).toBe('int32');
    const counts = new Map<number, number>();
    for (const v of r.data) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([-1, -2, 0, 1, 2].sort());
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(150);
    expect(g.permutation(6).sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('rejects bad arguments', () => {
    expect(() => new Generator(1.5)).toThrow(/seed must be a safe integer/);
    expect(() => new Generator(0).randint(3, 3)).toThrow(/randint: need integers low < high/);
  });
});
