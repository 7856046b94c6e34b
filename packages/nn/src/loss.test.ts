import { describe, expect, it } from 'vitest';
import { Generator, grad, reshape, tensor } from '@lnlab/core';
import type { Tensor } from '@lnlab/core';
import { loadFixture, maxRelError, normRelError } from '@lnlab/core/testing';
import { crossEntropy, crossEntropyComposite } from './loss';

const ints = (v: number[], shape: number[]) => tensor(v, { dtype: 'int32', shape });

describe('crossEntropy', () => {
  it('matches PyTorch (fixture cross_entropy, ignore_index -100) in float64 and float32', () => {
    const f = loadFixture('cross_entropy');
    for (const dtype of ['float64', 'float32'] as const) {
      const logits = f.get('in.logits', dtype);
      logits.requiresGrad = true;
      const loss = crossEntropy(logits, f.get('in.target'));
      const [dl] = grad(loss, logits);
      const err = dtype === 'float64' ? maxRelError : normRelError;
      const tol = dtype === 'float64' ? 1e-8 : 1e-4;
      expect(err(reshape(loss, [1]), f.get('out.loss'))).toBeLessThan(tol);
      expect(err(dl!, f.get('grad.in.logits'))).toBeLessThan(tol);
    }
  });

  it('fused equals its composite twin, with label smoothing, ignored rows and token tensors', () => {
    const gen = new Generator(8);
    const logits = tensor(Array.from({ length: 2 * 3 * 5 }, () => 3 * gen.normal()), { dtype: 'float64', shape: [2, 3, 5], requiresGrad: true });
    const target = ints([0, 4, -100, 2, 2, 1], [2, 3]);
    const cases: [Parameters<typeof crossEntropy>[2], Tensor][] = [
      [{}, target],
      [{ labelSmoothing: 0.2 }, target],
      [{ reduction: 'sum' }, target],
      [{ ignoreIndex: 2 }, ints([0, 4, 3, 2, 2, 1], [2, 3])],
    ];
    for (const [options, t] of cases) {
      const a = crossEntropy(logits, t, options);
      const b = crossEntropyComposite(logits, t, options);
      expect(a.item()).toBeCloseTo(b.item(), 13);
      const [ga] = grad(a, logits);
      const [gb] = grad(b, logits);
      expect(maxRelError(ga!, gb!)).toBeLessThan(1e-12);
    }
  });

  it('label smoothing follows PyTorch: (1−ε)·nll + ε·mean_c(−log p_c)', () => {
    const logits = tensor([[2, 0, -1]], { dtype: 'float64' });
    const lse = Math.log(Math.exp(2) + 1 + Math.exp(-1));
    const logp = [2 - lse, -lse, -1 - lse];
    const expected = 0.9 * -logp[1]! + (0.1 * -(logp[0]! + logp[1]! + logp[2]!)) / 3;
    expect(crossEntropy(logits, ints([1], [1]), { labelSmoothing: 0.1 }).item()).toBeCloseTo(expected, 14);
  });

  it('is stable for huge logits in float32', () => {
    const logits = tensor([[1e4, 0, -1e4]]);
    expect(crossEntropy(logits, ints([0], [1])).item()).toBe(0);
    expect(crossEntropy(logits, ints([1], [1])).item()).toBe(1e4);
  });

  it('all targets ignored gives 0 (not NaN)', () => {
    const logits = tensor([[1, 2]], { requiresGrad: true });
    const loss = crossEntropy(logits, ints([-100], [1]));
    expect(loss.item()).toBe(0);
    const [g] = grad(loss, logits);
    expect(Array.from(g!.data)).toEqual([0, 0]);
  });

  it('errors name the op, the argument and the shapes', () => {
    const l: Tensor = tensor([[1, 2, 3]]);
    expect(() => crossEntropy(l, tensor([0]))).toThrow(/crossEntropy: target must be int32 class indices, got float32 \[1\]/);
    expect(() => crossEntropy(l, ints([0, 1], [2]))).toThrow(/crossEntropy: target \[2\] does not match logits \[1,3\] \(expected \[1\]\)/);
    expect(() => crossEntropy(l, ints([3], [1]))).toThrow(/crossEntropy: target 3 at position 0 is out of range for 3 classes/);
    expect(() => crossEntropy(tensor([1, 2]), ints([0], [1]))).toThrow(/crossEntropy: logits must be \[N, C\] or \[\.\.\., C\], got \[2\]/);
  });
});
