import { describe, expect, it } from 'vitest';
import { tensor } from '@lnlab/core';
import type { FloatDType, Tensor } from '@lnlab/core';
import { clipGradNorm, clipGradValue, gradNorm } from './clip';

/** Parameters whose grads are [3, 4] and [[12]] (global L2 norm 13), plus one without a grad. */
function withGrads(dtype: FloatDType = 'float64'): Tensor[] {
  const a = tensor([1, 1], { dtype, requiresGrad: true });
  const b = tensor([[1]], { dtype, requiresGrad: true });
  const c = tensor([1, 2, 3], { dtype, requiresGrad: true });
  a.grad = tensor([3, 4], { dtype });
  b.grad = tensor([[12]], { dtype });
  return [a, b, c];
}

const grads = (ps: Tensor[]): number[][] => ps.filter((p) => p.grad).map((p) => Array.from(p.grad!.data));

describe('clipGradNorm', () => {
  it('returns the total norm before clipping and scales by maxNorm / (total + 1e-6)', () => {
    const ps = withGrads();
    expect(clipGradNorm(ps, 6.5)).toBe(13);
    const coef = 6.5 / (13 + 1e-6);
    expect(grads(ps)).toEqual([[3 * coef, 4 * coef], [12 * coef]]);
    expect(gradNorm(ps)).toBeCloseTo(6.5, 6);
  });

  it('leaves the grads alone when the norm is below maxNorm (the coefficient is clamped at 1)', () => {
    const ps = withGrads();
    expect(clipGradNorm(ps, 20)).toBe(13);
    expect(grads(ps)).toEqual([[3, 4], [12]]);
    // At exactly maxNorm the 1e-6 still scales slightly, as in PyTorch.
    clipGradNorm(ps, 13);
    expect(ps[1]!.grad!.data[0]).toBe(12 * (13 / (13 + 1e-6)));
  });

  it('supports other norm types and float32 grads (float64 accumulation)', () => {
    expect(clipGradNorm(withGrads(), 100, { normType: Infinity })).toBe(12);
    expect(clipGradNorm(withGrads(), 100, { normType: 1 })).toBe(19);
    expect(gradNorm(withGrads(), { normType: 3 })).toBeCloseTo((27 + 64 + 1728) ** (1 / 3), 12);
    const ps = withGrads('float32');
    expect(clipGradNorm(ps, 1)).toBe(13);
    expect(ps[0]!.grad!.data).toBeInstanceOf(Float32Array);
    expect(ps[0]!.grad!.data[0]).toBe(Math.fround(3 / (13 + 1e-6)));
  });

  it('gives 0 when no parameter has a grad, and accepts a single tensor', () => {
    expect(clipGradNorm([tensor([1], { requiresGrad: true })], 1)).toBe(0);
    const p = tensor([0, 0], { dtype: 'float64', requiresGrad: true });
    p.grad = tensor([6, 8], { dtype: 'float64' });
    expect(gradNorm(p)).toBe(10);
  });

  it('non-finite norms: an error with errorIfNonfinite, else PyTorch scaling by the resulting coefficient', () => {
    const ps = withGrads();
    ps[0]!.grad!.data[0] = Number.NaN;
    expect(() => clipGradNorm(ps, 1, { errorIfNonfinite: true })).toThrow(/clipGradNorm: the total norm of order 2 of the gradients is NaN/);
    expect(grads(ps)[1]).toEqual([12]);
    expect(clipGradNorm(ps, 1)).toBeNaN();
    expect(grads(ps)[1]).toEqual([Number.NaN]);
    const qs = withGrads();
    qs[0]!.grad!.data[0] = Infinity;
    expect(clipGradNorm(qs, 1)).toBe(Infinity);
    expect(grads(qs)).toEqual([[Number.NaN, 0], [0]]);
  });

  it('validates its arguments', () => {
    expect(() => clipGradNorm(withGrads(), -1)).toThrow('clipGradNorm: invalid maxNorm -1 (must be a number ≥ 0)');
    expect(() => clipGradNorm(withGrads(), Number.NaN)).toThrow(/invalid maxNorm NaN/);
    expect(() => clipGradNorm(withGrads(), 1, { normType: 0 })).toThrow('clipGradNorm: invalid normType 0 (must be a number > 0 or Infinity)');
    expect(() => gradNorm(withGrads(), { normType: -Infinity })).toThrow(/gradNorm: invalid normType -Infinity/);
    expect(() => gradNorm([1] as unknown as Tensor[])).toThrow('gradNorm: params[0] is not a Tensor');
  });
});

describe('clipGradValue', () => {
  it('clamps every grad element to [-clipValue, clipValue]', () => {
    const ps = withGrads();
    ps[0]!.grad!.data[0] = -7;
    clipGradValue(ps, 5);
    expect(grads(ps)).toEqual([[-5, 4], [5]]);
    expect(() => clipGradValue(ps, -1)).toThrow(/clipGradValue: invalid clipValue -1/);
  });
});
