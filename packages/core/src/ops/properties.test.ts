// Property-based tests (fast-check): broadcasting and reductions against naive index-by-index references.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { broadcastShapes, numel, stridesOf } from '../shape';
import { Tensor } from '../tensor';
import * as ops from './index';

const SEED = 20261127;

/** A shape of rank 0..4 with dims 1..4, and a second shape broadcast-compatible with it. */
const shapePair = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 })
  .chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc
        .tuple(fc.integer({ min: 0, max: shape.length }), fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }))
        .map(([drop, ones]) => shape.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d))),
    ),
  );

function fill(shape: readonly number[], seed: number): Tensor {
  const data = new Float64Array(numel(shape));
  for (let i = 0; i < data.length; i++) data[i] = Math.round(Math.sin(seed + i * 1.7) * 100) / 8;
  return new Tensor(data, shape);
}

/** Value of `t` at the multi-index `idx` of a broadcast shape (reading 0 for broadcast axes). */
function at(t: Tensor, idx: readonly number[]): number {
  const s = stridesOf(t.shape);
  const off = idx.length - t.ndim;
  let o = 0;
  for (let d = 0; d < t.ndim; d++) o += (t.shape[d] === 1 ? 0 : idx[d + off]!) * s[d]!;
  return t.data[o]!;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const s = stridesOf(shape);
  return shape.map((_, d) => Math.floor(i / s[d]!) % shape[d]!);
}

describe('broadcasting (property)', () => {
  it('a ∘ b equals the index-by-index definition, in both argument orders', () => {
    fc.assert(
      fc.property(shapePair, fc.boolean(), fc.integer({ min: 0, max: 1000 }), ([s1, s2], swap, seed) => {
        const [sa, sb] = swap ? [s2, s1] : [s1, s2];
        const a = fill(sa, seed);
        const b = fill(sb, seed + 7);
        const shape = broadcastShapes('test', sa, sb);
        for (const [op, f] of [
          ['add', (x: number, y: number) => x + y],
          ['mul', (x: number, y: number) => x * y],
          ['sub', (x: number, y: number) => x - y],
        ] as const) {
          const out = ops[op](a, b);
          expect(out.shape).toEqual(shape);
          for (let i = 0; i < out.size; i++) {
            const idx = unravel(i, shape);
            expect(out.data[i]).toBe(f(at(a, idx), at(b, idx)));
          }
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('the gradient of a broadcast input has its exact shape and sums over broadcast axes', () => {
    fc.assert(
      fc.property(shapePair, fc.integer({ min: 0, max: 1000 }), ([sa, sb], seed) => {
        const a = fill(sa, seed);
        const b = fill(sb, seed + 3);
        a.requiresGrad = true;
        b.requiresGrad = true;
        ops.sum(ops.mul(a, b)).backward();
        expect(a.grad!.shape).toEqual(a.shape);
        expect(b.grad!.shape).toEqual(b.shape);
        // d/db Σ a·b = Σ over the broadcast axes of a (expanded): total mass is preserved.
        const shape = broadcastShapes('test', sa, sb);
        let expected = 0;
        for (let i = 0; i < numel(shape); i++) expected += at(a, unravel(i, shape));
        const got = ops.sum(b.grad!).item();
        expect(got).toBeCloseTo(expected, 9);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('reductions (property)', () => {
  const shapeAxes = fc
    .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
    .chain((shape) => fc.tuple(fc.constant(shape), fc.subarray(shape.map((_, i) => i)), fc.boolean()));

  it('sum / max / mean over any axes equal the naive fold; keepdim only changes the shape', () => {
    fc.assert(
      fc.property(shapeAxes, fc.integer({ min: 0, max: 1000 }), ([shape, axes, keepdim], seed) => {
        const x = fill(shape, seed);
        const ax = axes.length === 0 ? undefined : axes;
        const reduced = (d: number) => ax === undefined || ax.includes(d);
        const keptShape = shape.map((d, i) => (reduced(i) ? 1 : d));
        const sums = new Float64Array(numel(keptShape));
        const maxes = new Float64Array(numel(keptShape)).fill(-Infinity);
        const ks = stridesOf(keptShape);
        for (let i = 0; i < x.size; i++) {
          const idx = unravel(i, shape);
          let o = 0;
          idx.forEach((v, d) => (o += (reduced(d) ? 0 : v) * ks[d]!));
          sums[o] = sums[o]! + x.data[i]!;
          maxes[o] = Math.max(maxes[o]!, x.data[i]!);
        }
        const count = x.size / sums.length;
        const s = ops.sum(x, ax, { keepdim });
        const m = ops.max(x, ax, { keepdim });
        const mu = ops.mean(x, ax, { keepdim });
        const expectShape = keepdim ? keptShape : shape.filter((_, i) => !reduced(i));
        for (const t of [s, m, mu]) expect(t.shape).toEqual(expectShape);
        for (let i = 0; i < sums.length; i++) {
          expect(s.data[i]).toBeCloseTo(sums[i]!, 10);
          expect(m.data[i]).toBe(maxes[i]);
          expect(mu.data[i]).toBeCloseTo(sums[i]! / count, 10);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('summing axes one at a time equals summing them together', () => {
    fc.assert(
      fc.property(shapeAxes, fc.integer({ min: 0, max: 1000 }), ([shape, axes], seed) => {
        fc.pre(axes.length > 1);
        const x = fill(shape, seed);
        let y = x;
        for (const a of [...axes].sort((p, q) => q - p)) y = ops.sum(y, a);
        const z = ops.sum(x, axes);
        expect(y.shape).toEqual(z.shape);
        for (let i = 0; i < z.size; i++) expect(y.data[i]).toBeCloseTo(z.data[i]!, 10);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
