import { describe, expect, it } from 'vitest';
import { Generator, cast, grad, mul, sum, tensor } from '@lnlab/core';
import { normRelError } from '@lnlab/core/testing';
import { leaf, sample } from '../testing/samples';
import { DyT } from './index';
import { dytComposite, dytFused } from './dyt';

describe('dytFused', () => {
  // [4,8,16] = 512 elements crosses the WebAssembly threshold for float32 tanh; [3,5] stays in TypeScript.
  for (const shape of [[4, 8, 16], [3, 5]]) {
    for (const dtype of ['float64', 'float32'] as const) {
      for (const affine of ['γ, β', 'γ', 'β', 'none'] as const) {
        it(`matches the composite in ${dtype} ${JSON.stringify(shape)} (${affine}): values bitwise, gradients`, () => {
          const gen = new Generator(31);
          const d = shape[shape.length - 1]!;
          const x = leaf(sample(shape, gen, 0.2, 2), dtype);
          const a = leaf(tensor([0.7], { dtype: 'float64' }), dtype);
          const w = affine.includes('γ') ? leaf(sample([d], gen, 1, 0.3), dtype) : null;
          const b = affine.includes('β') || affine === 'γ, β' ? leaf(sample([d], gen), dtype) : null;
          const g = cast(sample(shape, gen), dtype);
          const yf = dytFused(x, a, w, b);
          const yc = dytComposite(x, a, w, b);
          expect(yf.dtype).toBe(dtype);
          expect(Array.from(yf.data)).toEqual(Array.from(yc.data));
          const wrt = [x, a, ...(w ? [w] : []), ...(b ? [b] : [])];
          const gf = grad(sum(mul(yf, g)), wrt);
          const gc = grad(sum(mul(yc, g)), wrt);
          const tol = dtype === 'float64' ? 1e-12 : 1e-5;
          gf.forEach((t, i) => {
            expect(t.dtype).toBe(dtype);
            expect(t.shape).toEqual(wrt[i]!.shape);
            expect(normRelError(t, gc[i]!)).toBeLessThan(tol);
          });
        });
      }
    }
  }

  it('rejects bad shapes and mixed dtypes with named errors', () => {
    const x = tensor([[1, 2, 3]], { dtype: 'float64' });
    const a = tensor([0.5], { dtype: 'float64' });
    expect(() => dytFused(x, tensor([1, 2], { dtype: 'float64' }), null, null)).toThrow(/DyT: alpha \[2\] must be a scalar of shape \[1\]/);
    expect(() => dytFused(x, a, tensor([1, 1], { dtype: 'float64' }), null)).toThrow(/DyT: weight \[2\] must have shape \[3\]/);
    expect(() => dytFused(x, tensor([0.5], { dtype: 'float32' }), null, null)).toThrow(/DyT: alpha is float32 but the input is float64/);
  });
});

describe('DyT', () => {
  it("defaults to impl 'fused' and keeps the composite promotion for mixed dtypes", () => {
    expect(new DyT(3).impl).toBe('fused');
    expect(new DyT(3, { impl: 'composite' }).impl).toBe('composite');
    const y = new DyT(3).forward(tensor([[1, 2, 3]], { dtype: 'float64' }));
    expect(y.dtype).toBe('float64');
  });
});
