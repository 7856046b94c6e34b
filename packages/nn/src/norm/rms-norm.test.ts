import { describe, expect, it } from 'vitest';
import { Generator, cast, grad, mul, sum, tensor } from '@lnlab/core';
import { normRelError } from '@lnlab/core/testing';
import { leaf, sample } from '../testing/samples';
import { RMSNorm } from './index';
import { rmsNormComposite, rmsNormFused } from './rms-norm';

describe('rmsNormFused', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    for (const affine of [true, false]) {
      it(`matches the composite in ${dtype}${affine ? '' : ', no affine'}: values and gradients`, () => {
        const gen = new Generator(21);
        const x = leaf(sample([3, 4, 8], gen, 0.3, 2), dtype);
        const w = affine ? leaf(sample([8], gen, 1, 0.3), dtype) : null;
        const g = cast(sample([3, 4, 8], gen), dtype);
        const yf = rmsNormFused(x, [8], w, 1e-6);
        const yc = rmsNormComposite(x, [8], w, 1e-6);
        expect(yf.dtype).toBe(dtype);
        const tol = dtype === 'float64' ? 1e-13 : 1e-6;
        expect(normRelError(yf, yc)).toBeLessThan(tol);
        const wrt = w ? [x, w] : [x];
        const gf = grad(sum(mul(yf, g)), wrt);
        const gc = grad(sum(mul(yc, g)), wrt);
        gf.forEach((t, i) => {
          expect(t.dtype).toBe(dtype);
          expect(t.shape).toEqual(wrt[i]!.shape);
          expect(normRelError(t, gc[i]!)).toBeLessThan(tol * 10);
        });
      });
    }
  }

  it('normalizes over several trailing axes and uses the dtype machine ε by default', () => {
    const gen = new Generator(5);
    for (const dtype of ['float64', 'float32'] as const) {
      const x = cast(sample([2, 3, 4], gen), dtype);
      const w = cast(sample([3, 4], gen, 1, 0.2), dtype);
      expect(normRelError(rmsNormFused(x, [3, 4], w), rmsNormComposite(x, [3, 4], w))).toBeLessThan(dtype === 'float64' ? 1e-13 : 1e-6);
    }
  });

  it('zero rows give zeros and finite gradients', () => {
    const x = tensor([[0, 0, 0, 0], [1, -1, 2, -2]], { dtype: 'float64', requiresGrad: true });
    const y = rmsNormFused(x, [4], null, 1e-5);
    expect(Array.from(y.data.slice(0, 4))).toEqual([0, 0, 0, 0]);
    const [dx] = grad(sum(mul(y, tensor([[1, 2, 3, 4], [1, 1, 1, 1]], { dtype: 'float64' }))), [x]);
    expect(dx!.data.every(Number.isFinite)).toBe(true);
    expect(dx!.data[1]).toBeCloseTo(2 / Math.sqrt(1e-5), 6);
  });

  it('rejects bad shapes and int32 input with named errors', () => {
    const x = tensor([[1, 2, 3]], { dtype: 'float64' });
    expect(() => rmsNormFused(x, [4], null)).toThrow(/RMSNorm: input \[1,3\] does not end in normalizedShape \[4\]/);
    expect(() => rmsNormFused(x, [3], tensor([1, 1], { dtype: 'float64' }))).toThrow(/RMSNorm: weight \[2\] must have normalizedShape \[3\]/);
    expect(() => rmsNormFused(tensor([[1, 2, 3]], { dtype: 'int32' }), [3], null)).toThrow(/RMSNorm: input must be a float tensor/);
    expect(() => rmsNormFused(x, [3], tensor([1, 1, 1], { dtype: 'float32' }))).toThrow(/RMSNorm: weight is float32 but the input is float64/);
  });
});

describe('RMSNorm', () => {
  it("defaults to impl 'fused'; both impls agree through the module", () => {
    const gen = new Generator(8);
    const x = sample([2, 5, 6], gen);
    const fused = new RMSNorm(6).to('float64');
    const comp = new RMSNorm(6, { impl: 'composite' }).to('float64');
    expect(fused.impl).toBe('fused');
    fused.weight!.data.set([0.5, 1, 1.5, 2, -1, 0.25]);
    comp.weight!.data.set(fused.weight!.data);
    expect(normRelError(fused.forward(x), comp.forward(x))).toBeLessThan(1e-13);
  });

  it('a float64 input through float32 weights keeps the composite promotion', () => {
    const y = new RMSNorm(3).forward(tensor([[1, 2, 3]], { dtype: 'float64' }));
    expect(y.dtype).toBe('float64');
  });
});
