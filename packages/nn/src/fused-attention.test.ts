import { describe, expect, it } from 'vitest';
import { Generator, Tensor, add, grad, gradgradcheck, mul, randn, reshape, sum } from '@lnlab/core';
import type { FloatDType } from '@lnlab/core';
import { causalMask } from './attention';
import { attentionComposite, fusedAttention } from './fused-attention';
import type { AttentionMasks } from './fused-attention';
import { MultiheadAttention, scaledDotProductAttentionWithWeights } from './index';

const B = 2, H = 3, L = 5, S = 6, E = 4, Ev = 3;

function close(actual: Tensor, expected: Tensor, tol: number, what: string): void {
  expect(actual.shape, what).toEqual(expected.shape);
  expect(actual.dtype, what).toBe(expected.dtype);
  for (let i = 0; i < expected.size; i++) {
    const a = actual.data[i]!, e = expected.data[i]!;
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      expect(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)), `${what}[${i}]: ${a} vs ${e}`).toBe(true);
    } else {
      expect(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), `${what}[${i}]: ${a} vs ${e}`).toBe(true);
    }
  }
}

interface Case {
  name: string;
  masks: (dtype: FloatDType) => AttentionMasks;
}

const ints = (data: number[], shape: number[]): Tensor => new Tensor(Int32Array.from(data), shape);

const cases: Case[] = [
  { name: 'no mask', masks: () => ({ blocked: [], additive: [] }) },
  { name: 'causal', masks: () => ({ blocked: [causalMask(L, S)], additive: [] }) },
  {
    name: 'causal + key padding [B,1,1,S]',
    masks: () => ({ blocked: [causalMask(L, S), reshape(ints([0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1], [B, S]), [B, 1, 1, S])], additive: [] }),
  },
  {
    name: 'float masks [L,S] and [B,H,L,S]',
    masks: (dtype) => ({
      blocked: [],
      additive: [randn([L, S], { dtype, generator: new Generator(5) }), randn([B, H, L, S], { dtype, generator: new Generator(6) })],
    }),
  },
  {
    name: 'float mask with −∞ + int [B,H,L,S] mask',
    masks: (dtype) => {
      const f = randn([L, S], { dtype, generator: new Generator(7) });
      f.data[3] = -Infinity;
      const blk = new Int32Array(B * H * L * S).map((_, i) => (i % 7 === 3 ? 1 : 0));
      return { blocked: [new Tensor(blk, [B, H, L, S])], additive: [f] };
    },
  },
  {
    name: 'a fully masked row (NaN)',
    masks: () => {
      const m = new Int32Array(L * S);
      m.fill(1, 2 * S, 3 * S); // row 2 blocked everywhere
      return { blocked: [causalMask(L, S), new Tensor(m, [L, S])], additive: [] };
    },
  },
];

function run(dtype: FloatDType, masks: AttentionMasks, fused: boolean, seed: number) {
  const gen = new Generator(seed);
  const q = randn([B, H, L, E], { dtype, generator: gen, requiresGrad: true });
  const k = randn([B, H, S, E], { dtype, generator: gen, requiresGrad: true });
  const v = randn([B, H, S, Ev], { dtype, generator: gen, requiresGrad: true });
  const go = randn([B, H, L, Ev], { dtype, generator: gen });
  const gw = randn([B, H, L, S], { dtype, generator: gen });
  const scale = 0.37;
  const r = fused ? fusedAttention(q, k, v, scale, masks) : attentionComposite(q, k, v, scale, masks);
  if (!r) throw new Error('fused attention declined the inputs');
  const [dq, dk, dv] = grad(sum(mul(r.output, go)), [q, k, v], { retainGraph: true });
  // Through the weights too (finite part only: masked weights are 0 or NaN).
  const wsum = sum(mul(r.weights, gw));
  const w = Number.isNaN(wsum.data[0]) ? null : grad(add(wsum, 0), [q, k]);
  return { r, dq: dq!, dk: dk!, dv: dv!, w };
}

describe('fused attention vs the composite', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    const tol = dtype === 'float64' ? 1e-12 : 1e-5;
    cases.forEach((c, i) => {
      it(`${dtype}: ${c.name}`, () => {
        const masks = c.masks(dtype);
        const f = run(dtype, masks, true, 100 + i);
        const ref = run(dtype, masks, false, 100 + i);
        close(f.r.output, ref.r.output, tol, 'output');
        close(f.r.weights, ref.r.weights, tol, 'weights');
        close(f.r.logits, ref.r.logits, tol, 'logits');
        close(f.dq, ref.dq, tol, 'dq');
        close(f.dk, ref.dk, tol, 'dk');
        close(f.dv, ref.dv, tol, 'dv');
        expect(f.w === null).toBe(ref.w === null);
        if (f.w && ref.w) {
          close(f.w[0]!, ref.w[0]!, tol, 'dq via weights');
          close(f.w[1]!, ref.w[1]!, tol, 'dk via weights');
        }
      });
    });
  }

  it('a fully masked row gives NaN like the composite (output, weights, dv), zero dq for that row', () => {
    const f = run('float64', cases[5]!.masks('float64'), true, 1);
    expect(Number.isNaN(f.r.output.data[2 * Ev]!)).toBe(true);
    expect(Number.isNaN(f.r.weights.data[2 * S]!)).toBe(true);
    for (let e = 0; e < E; e++) expect(f.dq.data[2 * E + e]).toBe(0);
  });

  it('only computes gradients for inputs that require grad', () => {
    const gen = new Generator(3);
    const q = randn([2, L, E], { dtype: 'float64', generator: gen });
    const k = randn([2, S, E], { dtype: 'float64', generator: gen });
    const v = randn([2, S, Ev], { dtype: 'float64', generator: gen, requiresGrad: true });
    const r = fusedAttention(q, k, v, 0.5, { blocked: [], additive: [] })!;
    expect(r.weights.requiresGrad).toBe(false);
    const [dv] = grad(sum(r.output), [v]);
    expect(dv!.shape).toEqual([2, S, Ev]);
  });

  it('declines what it does not handle (mismatched batch shapes, promoting masks)', () => {
    const q = randn([2, L, E]);
    expect(fusedAttention(q, randn([1, S, E]), randn([1, S, Ev]), 1, { blocked: [], additive: [] })).toBeNull();
    expect(fusedAttention(q, randn([2, S, E]), randn([2, S, Ev]), 1, { blocked: [], additive: [randn([L, S], { dtype: 'float64' })] })).toBeNull();
    expect(fusedAttention(q, randn([2, S, E]), randn([2, S, Ev]), 1, { blocked: [randn([3, L, S])], additive: [] })).toBeNull();
  });

  it('second derivatives go through the composite (gradgradcheck)', () => {
    const gen = new Generator(11);
    const masks: AttentionMasks = { blocked: [causalMask(3, 4)], additive: [] };
    const xs = [[2, 3, 3], [2, 4, 3], [2, 4, 2]].map((s) => randn(s, { dtype: 'float64', generator: gen, requiresGrad: true }));
    expect(() => gradgradcheck((q, k, v) => fusedAttention(q!, k!, v!, 0.6, masks)!.output, xs)).not.toThrow();
    expect(() => gradgradcheck((q, k) => fusedAttention(q!, k!, xs[2]!, 0.6, masks)!.weights, xs.slice(0, 2))).not.toThrow();
  });

  it('SDPA and MHA match the composite path (dropout p=1e-9 forces the composite in training)', () => {
    const gen = new Generator(21);
    const x = randn([2, 5, 6], { dtype: 'float64', generator: gen });
    const kpm = ints([0, 0, 0, 1, 1, 0, 0, 0, 0, 1], [2, 5]);
    const fusedM = new MultiheadAttention(6, 2, { generator: new Generator(1) }).to('float64');
    const refM = new MultiheadAttention(6, 2, { dropout: 1e-300, generator: new Generator(1) }).to('float64');
    refM.train();
    const a = fusedM.forward(x, x, x, { isCausal: true, keyPaddingMask: kpm });
    const b = refM.forward(x, x, x, { isCausal: true, keyPaddingMask: kpm });
    close(a.output, b.output, 1e-12, 'mha output');
    close(a.weights, b.weights, 1e-12, 'mha weights');
    close(a.logits, b.logits, 1e-12, 'mha logits');
    const q = randn([3, 4], { dtype: 'float64', generator: gen });
    const s1 = scaledDotProductAttentionWithWeights(q, q, q, { isCausal: true });
    const ref = attentionComposite(q, q, q, 0.5, { blocked: [causalMask(3, 3)], additive: [] });
    close(s1.output, ref.output, 1e-15, 'sdpa output');
  });
});
