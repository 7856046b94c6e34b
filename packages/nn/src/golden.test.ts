// Golden tests against every PyTorch fixture in ../shared/fixtures/torch, in float64 and float32.
// The scalar PyTorch differentiated is sum(out · upstream); tolerances are the fixtures README's.
import { describe, expect, it } from 'vitest';
import { cast, concat, grad, mul, slice, sum } from '@lnlab/core';
import type { FloatDType, Tensor } from '@lnlab/core';
import { loadFixture, maxRelError, normRelError } from '@lnlab/core/testing';
import type { Fixture } from '@lnlab/core/testing';
import { BatchNorm1d, DyT, LayerNorm, MultiheadAttention, RMSNorm, TransformerEncoderLayer } from './index';
import type { Module } from './index';

const TOL: Record<FloatDType, number> = { float64: 1e-8, float32: 1e-4 };
const STABILITY_TOL: Record<FloatDType, number> = { float64: 1e-6, float32: 1e-4 };

/**
 * float64: elementwise relative error (entries near 0 judged against 1e-3 of the tensor's scale);
 * float32: error relative to the tensor's scale (see normRelError: exact-zero entries carry rounding noise).
 */
function relErr(dtype: FloatDType, a: Tensor, e: Tensor): number {
  return dtype === 'float64' ? maxRelError(a, e) : normRelError(a, e);
}

/** Loads the fixture's `param.*` into the module (strict: every key by name) and converts it to dtype. */
function withParams<M extends Module>(m: M, f: Fixture, dtype: FloatDType): M {
  m.to(dtype);
  const sd = new Map(f.keys().filter((k) => k.startsWith('param.')).map((k) => [k.slice(6), f.get(k, dtype)] as const));
  m.loadStateDict(sd, { strict: true });
  return m;
}

function input(f: Fixture, key: string, dtype: FloatDType): Tensor {
  const x = f.get(key, dtype);
  x.requiresGrad = true;
  return x;
}

/** Compares out.y, grad.in.x and every grad.param.* with the fixture; returns the worst errors seen. */
function checkForwardBackward(f: Fixture, m: Module, x: Tensor, y: Tensor, dtype: FloatDType, tol: number): void {
  expect(relErr(dtype, y, f.get('out.y'))).toBeLessThan(tol);
  const params = m.namedParameters();
  const gs = grad(sum(mul(y, f.get('upstream', dtype))), [x, ...params.map(([, p]) => p)]);
  expect(relErr(dtype, gs[0]!, f.get('grad.in.x'))).toBeLessThan(tol);
  params.forEach(([name], i) => {
    expect(relErr(dtype, gs[i + 1]!, f.get(`grad.param.${name}`)), name).toBeLessThan(tol);
  });
}

describe.each(['float64', 'float32'] as const)('golden vs PyTorch (%s)', (dtype) => {
  for (const impl of ['fused', 'composite'] as const) {
    it(`layernorm_basic (${impl})`, () => {
      const f = loadFixture('layernorm_basic');
      expect(f.config).toMatchObject({ eps: 1e-5, normalized_shape: [16] });
      const m = withParams(new LayerNorm(16, { impl }), f, dtype);
      const x = input(f, 'in.x', dtype);
      checkForwardBackward(f, m, x, m.forward(x), dtype, TOL[dtype]);
    });

    it(`layernorm_stability (${impl}): constant rows, 1e4 + 1e-2·noise, tiny and offset rows`, () => {
      const f = loadFixture('layernorm_stability');
      const m = withParams(new LayerNorm(64, { impl }), f, dtype);
      const x = input(f, 'in.x', dtype);
      if (dtype === 'float64') {
        checkForwardBackward(f, m, x, m.forward(x), dtype, STABILITY_TOL.float64);
        return;
      }
      // In float32 the input itself cannot hold row 1's spread (ulp(1e4) ≈ 1e-3 against noise of 1e-2): rounding
      // x alone moves PyTorch's float64 answer by 0.52 relative there (row 4, −3e3 + noise: 0.02). So rows
      // 0, 2, 3 are compared with the fixture, and every row with float64 LayerNorm of the same rounded input —
      // which shows the float32 kernel loses nothing beyond its input's rounding.
      const y = m.forward(x);
      const rows = (t: Tensor, r: number[]): Tensor => concat(r.map((i) => slice(t, 0, i, i + 1)), 0);
      expect(normRelError(rows(y, [0, 2, 3]), rows(f.get('out.y'), [0, 2, 3]))).toBeLessThan(STABILITY_TOL.float32);
      const x64 = cast(x.detach(), 'float64');
      x64.requiresGrad = true;
      const ref = new LayerNorm(64, { impl: 'composite' }).to('float64');
      ref.loadStateDict(new Map([['weight', f.get('param.weight')], ['bias', f.get('param.bias')]]));
      const yRef = ref.forward(x64);
      const g = f.get('upstream');
      for (let r = 0; r < 5; r++) expect(normRelError(rows(y, [r]), rows(yRef, [r])), `row ${r}`).toBeLessThan(STABILITY_TOL.float32);
      const [dx] = grad(sum(mul(y, cast(g, 'float32'))), [x]);
      const [dxRef] = grad(sum(mul(yRef, g)), [x64]);
      for (let r = 0; r < 5; r++) expect(normRelError(rows(dx!, [r]), rows(dxRef!, [r])), `grad row ${r}`).toBeLessThan(STABILITY_TOL.float32);
    });
  }

  it('rmsnorm_basic', () => {
    const f = loadFixture('rmsnorm_basic');
    const m = withParams(new RMSNorm(16, { eps: f.config.eps as number }), f, dtype);
    const x = input(f, 'in.x', dtype);
    checkForwardBackward(f, m, x, m.forward(x), dtype, TOL[dtype]);
  });

  it('dyt_basic', () => {
    const f = loadFixture('dyt_basic');
    const m = withParams(new DyT(16), f, dtype);
    const x = input(f, 'in.x', dtype);
    checkForwardBackward(f, m, x, m.forward(x), dtype, TOL[dtype]);
  });

  it('batchnorm1d_train: train outputs and grads, running stats, eval outputs', () => {
    const f = loadFixture('batchnorm1d_train');
    // The fixture starts from PyTorch's initial running stats (mean 0, var 1), so it carries no buffers.
    const m = new BatchNorm1d(16, { eps: 1e-5, momentum: 0.1 }).to(dtype);
    const { missingKeys } = m.loadStateDict(new Map([['weight', f.get('param.weight', dtype)], ['bias', f.get('param.bias', dtype)]]), { strict: false });
    expect(missingKeys).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
    const x = input(f, 'in.x', dtype);
    checkForwardBackward(f, m, x, m.forward(x), dtype, TOL[dtype]);
    expect(relErr(dtype, m.running_mean!, f.get('out.running_mean'))).toBeLessThan(TOL[dtype]);
    expect(relErr(dtype, m.running_var!, f.get('out.running_var'))).toBeLessThan(TOL[dtype]);
    m.eval();
    expect(relErr(dtype, m.forward(f.get('in.x_eval', dtype)), f.get('out.y_eval'))).toBeLessThan(TOL[dtype]);
  });

  for (const name of ['mha_plain', 'mha_causal_padded'] as const) {
    it(name, () => {
      const f = loadFixture(name);
      const m = withParams(new MultiheadAttention(16, 4), f, dtype);
      const x = input(f, 'in.x', dtype);
      const kpm = f.keys().includes('in.key_padding_mask') ? f.get('in.key_padding_mask') : null;
      const { output } = m.forward(x, x, x, { isCausal: f.config.causal === true, keyPaddingMask: kpm });
      checkForwardBackward(f, m, x, output, dtype, TOL[dtype]);
    });
  }

  for (const name of ['encoder_layer_post_ln', 'encoder_layer_pre_ln'] as const) {
    it(name, () => {
      const f = loadFixture(name);
      const c = f.config;
      const m = withParams(
        new TransformerEncoderLayer({
          dModel: c.d_model as number,
          nHead: c.nhead as number,
          dimFeedforward: c.dim_feedforward as number,
          dropout: 0,
          activation: 'gelu',
          layerNormEps: c.layer_norm_eps as number,
          normFirst: c.norm_first as boolean,
        }),
        f,
        dtype,
      );
      const x = input(f, 'in.x', dtype);
      checkForwardBackward(f, m, x, m.forward(x, { isCausal: c.causal as boolean }), dtype, TOL[dtype]);
    });
  }
});

