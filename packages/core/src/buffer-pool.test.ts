// The storage pool and the engine's recycling of dead gradients: recycled storage comes back zeroed, only
// arrays that own their buffer and are large enough are kept, and recycling never changes a result or touches a
// gradient that was handed out (leaf .grad, retainGrad, grad()'s results).
import { afterEach, describe, expect, it } from 'vitest';
import { grad } from './autograd/engine';
import { allocate, bufferPoolStats, recycle, setBufferRecycling } from './buffer-pool';

const pooledBufferBytes = (): number => bufferPoolStats().pooledBytes;
import { Generator } from './random';
import { randn } from './ops/creation';
import { add, mul, sub } from './ops/arith';
import { gelu, tanh } from './ops/unary';
import { sum } from './ops/reduce';
import { reshape } from './ops/shape';
import { linear } from './ops/matmul';
import type { Tensor } from './tensor';

afterEach(() => setBufferRecycling(true));

describe('buffer pool', () => {
  it('hands a recycled array out again, zero-filled; small arrays and views are not kept', () => {
    setBufferRecycling(true);
    const a = allocate('float32', 8192);
    a.fill(7);
    recycle(a);
    expect(pooledBufferBytes()).toBe(8192 * 4);
    const b = allocate('float32', 8192);
    expect(b).toBe(a);
    expect(b.every((v) => v === 0)).toBe(true);
    expect(pooledBufferBytes()).toBe(0);
    expect(allocate('float64', 8192)).not.toBe(a); // keyed by dtype and length
    recycle(allocate('float32', 100));
    recycle(new Float32Array(20000).subarray(0, 10000));
    expect(pooledBufferBytes()).toBe(0);
  });

  it('setBufferRecycling(false) empties the pool and keeps nothing', () => {
    recycle(allocate('float32', 8192));
    setBufferRecycling(false);
    expect(pooledBufferBytes()).toBe(0);
    const a = allocate('float32', 8192);
    recycle(a);
    expect(allocate('float32', 8192)).not.toBe(a);
  });
});

/** A small network with the aliasing cases: a VJP returning its incoming gradient to two inputs (add), a reshape
 * sharing storage, a tensor used three times, a broadcast bias, a retained intermediate. */
function network(x: Tensor, w: Tensor, b: Tensor): { loss: Tensor; hidden: Tensor } {
  const hidden = gelu(linear(x, w, b));
  hidden.retainGrad();
  const y = add(hidden, tanh(hidden));
  const z = reshape(mul(y, hidden), [64, 8, 128]);
  return { loss: sum(sub(mul(z, z), reshape(y, [64, 8, 128]))), hidden };
}

function inputs(): Tensor[] {
  const gen = new Generator(3);
  return [randn([512, 96], { generator: gen, requiresGrad: true }), randn([128, 96], { generator: gen, requiresGrad: true }),
    randn([128], { generator: gen, requiresGrad: true })];
}

describe('recycling in the backward pass', () => {
  it('gives bitwise the gradients of a run without recycling, and leaves handed-out gradients intact', () => {
    const results = [true, false].map((on) => {
      setBufferRecycling(on);
      const ps = inputs();
      const { loss, hidden } = network(ps[0]!, ps[1]!, ps[2]!);
      loss.backward();
      const grads = [...ps.map((p) => p.grad!), hidden.grad!];
      const copies = grads.map((g) => g.data.slice());
      const before = bufferPoolStats();
      // More passes that draw on the pool: the gradients handed out above must not change.
      for (let i = 0; i < 3; i++) {
        const qs = inputs();
        network(qs[0]!, qs[1]!, qs[2]!).loss.backward();
      }
      grads.forEach((g, i) => expect(g.data, `gradient ${i} changed`).toEqual(copies[i]));
      const after = bufferPoolStats();
      // Each pass recycles dead gradients and the next allocations reuse them (nothing of the kind when off).
      const recycled = after.recycled - before.recycled, reused = after.reused - before.reused;
      if (on) {
        expect(recycled).toBeGreaterThanOrEqual(3 * 5);
        expect(reused).toBeGreaterThanOrEqual(3 * 5);
      } else expect([recycled, reused]).toEqual([0, 0]);
      return copies;
    });
    results[0]!.forEach((g, i) => expect(g, `gradient ${i}`).toEqual(results[1]![i]));
  });

  it("leaves grad()'s results intact too", () => {
    const ps = inputs();
    const { loss, hidden } = network(ps[0]!, ps[1]!, ps[2]!);
    const gs = grad(loss, [hidden, ps[1]!]);
    const copies = gs.map((g) => g.data.slice());
    for (let i = 0; i < 3; i++) {
      const qs = inputs();
      network(qs[0]!, qs[1]!, qs[2]!).loss.backward();
    }
    gs.forEach((g, i) => expect(g.data).toEqual(copies[i]));
  });
});
