// Shared by the optimizer tests: a small problem of three parameters with values ±[0.5, 1.5] and five steps of
// given gradients, large for two steps then ten times smaller (so Adam's second moment shrinks and amsgrad's
// running max matters). Float32-exact values, so the same numbers serve float64 and float32 runs.
import { expect } from 'vitest';
import { Generator, tensor } from '@lnlab/core';
import type { FloatDType, Tensor } from '@lnlab/core';

export const SHAPES = [[2, 3], [4], [1]];
export function problem(seed: number, steps = 5): { init: number[][]; grads: number[][][] } {
  const gen = new Generator(seed);
  const u = (): number => Math.fround((gen.random() < 0.5 ? -1 : 1) * (0.5 + gen.random()));
  const sizes = SHAPES.map((s) => s.reduce((a, b) => a * b, 1));
  const init = sizes.map((n) => Array.from({ length: n }, u));
  const grads = Array.from({ length: steps }, (_, t) => sizes.map((n) => Array.from({ length: n }, () => Math.fround(u() * (t < 2 ? 1 : 0.1)))));
  return { init, grads };
}

export function makeParams(init: number[][], dtype: FloatDType): Tensor[] {
  return init.map((v, k) => tensor(v, { dtype, shape: SHAPES[k]!, requiresGrad: true }));
}

export function setGrads(params: Tensor[], grads: number[][]): void {
  params.forEach((p, k) => {
    p.grad = tensor(grads[k]!, { dtype: p.dtype, shape: p.shape });
  });
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    worst = Math.max(worst, Math.abs(actual[i]! - e) / Math.max(Math.abs(e), 1e-300));
  }
  expect(worst).toBeLessThanOrEqual(rtol);
}
