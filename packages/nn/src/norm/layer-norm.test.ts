import { describe, expect, it } from 'vitest';
import type { Tensor} from '@lnlab/core';
import { Generator, cast, grad, mul, std, sum, tensor } from '@lnlab/core';
import { normRelError } from '@lnlab/core/testing';
import { LayerNorm, layerNormComposite, layerNormFused } from './index';
import { sample } from '../testing/samples';

/** Plain-loop reference of the LN family on one row: the formulas the variants must follow exactly. */
function rowReference(row: number[], variance: 'biased' | 'unbiased', eps: number, placement: 'inside' | 'outside'): number[] {
  const n = row.length;
  const mu = row.reduce((p, c) => p + c, 0) / n;
  const ss = row.reduce((p, c) => p + (c - mu) ** 2, 0);
  const v = ss / (variance === 'biased' ? n : n - 1);
  return row.map((x) => (placement === 'inside' ? (x - mu) / Math.sqrt(v + eps) : (x - mu) / (Math.sqrt(v) + eps)));
}

describe('LayerNorm', () => {
  it('fused and composite agree in float64 (values and all gradients) and in float32', () => {
    const gen = new Generator(11);
    const x = sample([3, 4, 8], gen, 0.5, 2);
    const w = sample([8], gen, 1, 0.3);
    const b = sample([8], gen);
    const g = sample([3, 4, 8], gen);
    for (const dtype of ['float64', 'float32'] as const) {
      const [xs, ws, bs] = [x, w, b].map((t) => {
        const c = cast(t, dtype).detach();
        c.requiresGrad = true;
        return c;
      }) as [Tensor, Tensor, Tensor];
      const gd = cast(g, dtype);
      const yf = layerNormFused(xs, [8], ws, bs);
      const yc = layerNormComposite(xs, [8], ws, bs);
      const tol = dtype === 'float64' ? 1e-13 : 1e-6;
      expect(normRelError(yf, yc)).toBeLessThan(tol);
      const gf = grad(sum(mul(yf, gd)), [xs, ws, bs]);
      const gc = grad(sum(mul(yc, gd)), [xs, ws, bs]);
      gf.forEach((t, i) => expect(normRelError(t, gc[i]!)).toBeLessThan(tol * 10));
    }
  });

  it('both implementations keep the small spread on a 1e4 offset in float32 (no E[x²]−E[x]²)', () => {
    const gen = new Generator(3);
    // Values exactly representable in float32, so the float64 reference sees the same input.
    const x32 = cast(sample([4, 64], gen, 1e4, 1e-2), 'float32');
    const x64 = cast(x32, 'float64');
    const ref = layerNormComposite(x64, [64], null, null);
    for (const impl of ['fused', 'composite'] as const) {
      const y = new LayerNorm(64, { impl, elementwiseAffine: false }).forward(x32);
      expect(normRelError(y, ref)).toBeLessThan(1e-4);
      // Each row keeps its spread: std σ/√(σ²+ε) as in float64, not the garbage a cancelling variance gives.
      const sy = std(y, -1, { correction: 0 });
      const sr = std(ref, -1, { correction: 0 });
      for (let r = 0; r < 4; r++) expect(Math.abs(sy.data[r]! - sr.data[r]!)).toBeLessThan(1e-4);
    }
  });

  it('pins the exact formulas of the variants: biased/unbiased × ε inside/outside', () => {
    const rows = [[1, 2, 4, 8, 16], [0.1, -0.2, 0.3, 0.05, 0], [5, 5, 5, 5, 5.001]];
    for (const variance of ['biased', 'unbiased'] as const) {
      for (const epsPlacement of ['inside', 'outside'] as const) {
        const ln = new LayerNorm(5, { variance, epsPlacement, eps: 1e-3, elementwiseAffine: false }).to('float64');
        const y = ln.forward(tensor(rows, { dtype: 'float64' }));
        rows.forEach((r, i) => {
          const expected = rowReference(r, variance, 1e-3, epsPlacement);
          expected.forEach((e, j) => expect(y.data[i * 5 + j]).toBeCloseTo(e, 12));
        });
        expect(ln.usesFused).toBe(variance === 'biased' && epsPlacement === 'inside');
      }
    }
  });

  it('the tutorial variant differs on near-constant rows: input std 1e-3 → output std ≈ 0.30 (PyTorch) vs ≈ 0.97', () => {
    const gen = new Generator(4);
    const d = 512;
    const raw = sample([1, d], gen);
    const s = std(raw, -1, { correction: 0 }).item();
    const x = mul(raw, 1e-3 / s); // biased std exactly 1e-3
    const torchStyle = new LayerNorm(d, { elementwiseAffine: false }).to('float64').forward(x);
    const tutorial = new LayerNorm(d, { variance: 'unbiased', epsPlacement: 'outside', elementwiseAffine: false }).to('float64').forward(x);
    const sdOut = (t: Tensor) => std(t, -1, { correction: 0 }).item();
    // Closed forms: 1e-3/√(1e-6 + 1e-5) and 1e-3/(1e-3·√(d/(d−1)) + 1e-5).
    expect(sdOut(torchStyle)).toBeCloseTo(1e-3 / Math.sqrt(1e-6 + 1e-5), 10);
    expect(sdOut(tutorial)).toBeCloseTo(1e-3 / (1e-3 * Math.sqrt(d / (d - 1)) + 1e-5), 10);
    expect(sdOut(torchStyle)).toBeCloseTo(0.3015, 3);
    expect(sdOut(tutorial)).toBeGreaterThan(0.98);
  });

  it('constant rows give β and finite gradients scaled by 1/√ε', () => {
    const ln = new LayerNorm(4).to('float64');
    ln.bias!.data.set([1, 2, 3, 4]);
    const x = tensor([[7, 7, 7, 7]], { dtype: 'float64', requiresGrad: true });
    const y = ln.forward(x);
    expect(Array.from(y.data)).toEqual([1, 2, 3, 4]);
    const [dx] = grad(sum(mul(y, tensor([[1, -1, 0, 0]], { dtype: 'float64' }))), [x]);
    expect(dx!.data.every(Number.isFinite)).toBe(true);
    expect(Math.max(...dx!.data.map(Math.abs))).toBeCloseTo(1 / Math.sqrt(1e-5), 6);
  });
});
