// Every PyTorch fixture as a list of comparisons (what we computed vs what PyTorch stored), in a given dtype.
// The golden tests assert on them; examples/fixture-errors.ts prints the worst error per fixture.
import { Tensor, cast, concat, grad, mul, reshape, slice, sum } from '@lnlab/core';
import type { FloatDType } from '@lnlab/core';
import { loadFixture, maxRelError, normRelError } from '@lnlab/core/testing';
import type { Fixture } from '@lnlab/core/testing';
import {
  Adam, BatchNorm1d, DyT, GELU, LayerNorm, MultiheadAttention, RMSNorm, TransformerEncoderLayer, TransformerLM, crossEntropy, gradNorm,
} from '../index';
import type { Module } from '../index';

export interface Comparison {
  key: string;
  actual: Tensor;
  expected: Tensor;
}

/** The fixtures README's tolerances (stability cases: 1e-6 in float64). */
export function tolerance(fixture: string, dtype: FloatDType): number {
  if (dtype === 'float32') return 1e-4;
  return fixture === 'layernorm_stability' ? 1e-6 : 1e-8;
}

/**
 * float64: elementwise relative error (entries near 0 judged against 1e-3 of the tensor's scale);
 * float32: error relative to the tensor's scale (entries that cancel to ~0 carry float32 rounding noise).
 */
export function relErr(dtype: FloatDType, a: Tensor, e: Tensor): number {
  return dtype === 'float64' ? maxRelError(a, e) : normRelError(a, e);
}

/** Loads `param.*` into the module with strict: true (every PyTorch name must match) after converting it. */
export function withParams<M extends Module>(m: M, f: Fixture, dtype: FloatDType): M {
  m.to(dtype);
  m.loadStateDict(new Map(f.keys().filter((k) => k.startsWith('param.')).map((k) => [k.slice(6), f.get(k, dtype)] as const)), { strict: true });
  return m;
}

function input(f: Fixture, key: string, dtype: FloatDType): Tensor {
  const x = f.get(key, dtype);
  x.requiresGrad = true;
  return x;
}

/** out.y, grad.in.x and every grad.param.* for y = m(x), differentiating sum(y · upstream). */
function forwardBackward(f: Fixture, m: Module, x: Tensor, y: Tensor, dtype: FloatDType): Comparison[] {
  const params = m.namedParameters();
  const gs = grad(sum(mul(y, f.get('upstream', dtype))), [x, ...params.map(([, p]) => p)]);
  return [
    { key: 'out.y', actual: y, expected: f.get('out.y') },
    { key: 'grad.in.x', actual: gs[0]!, expected: f.get('grad.in.x') },
    ...params.map(([name], i) => ({ key: `grad.param.${name}`, actual: gs[i + 1]!, expected: f.get(`grad.param.${name}`) })),
  ];
}

const rows = (t: Tensor, r: number[]): Tensor => concat(r.map((i) => slice(t, 0, i, i + 1)), 0);

function layerNormStability(f: Fixture, dtype: FloatDType, impl: 'fused' | 'composite'): Comparison[] {
  const m = withParams(new LayerNorm(64, { impl }), f, dtype);
  const x = input(f, 'in.x', dtype);
  const y = m.forward(x);
  if (dtype === 'float64') return forwardBackward(f, m, x, y, dtype);
  // In float32 the input cannot hold row 1's spread (ulp(1e4) ≈ 1e-3 against noise of 1e-2): rounding x alone
  // moves PyTorch's float64 answer by 0.52 relative there (row 4, −3e3 + noise: 0.02). So rows 0, 2, 3 are
  // compared with the fixture, and every row with float64 LayerNorm of the same rounded input.
  const x64 = cast(x.detach(), 'float64');
  x64.requiresGrad = true;
  const ref = withParams(new LayerNorm(64, { impl: 'composite' }), f, 'float64');
  const yRef = ref.forward(x64);
  const g = f.get('upstream');
  const [dx] = grad(sum(mul(y, cast(g, 'float32'))), [x]);
  const [dxRef] = grad(sum(mul(yRef, g)), [x64]);
  return [
    { key: 'out.y rows 0,2,3', actual: rows(y, [0, 2, 3]), expected: rows(f.get('out.y'), [0, 2, 3]) },
    ...[0, 1, 2, 3, 4].flatMap((r) => [
      { key: `out.y row ${r} vs float64 LN of the rounded input`, actual: rows(y, [r]), expected: rows(yRef, [r]) },
      { key: `grad.in.x row ${r} vs float64 LN of the rounded input`, actual: rows(dx!, [r]), expected: rows(dxRef!, [r]) },
    ]),
  ];
}

function encoderLayer(f: Fixture, dtype: FloatDType): Comparison[] {
  const c = f.config;
  const m = withParams(
    new TransformerEncoderLayer({
      dModel: c.d_model as number,
      nHead: c.nhead as number,
      dimFeedforward: c.dim_feedforward as number,
      dropout: 0,
      activation: c.activation === 'gelu' ? 'gelu' : 'relu',
      layerNormEps: c.layer_norm_eps as number,
      normFirst: c.norm_first as boolean,
    }),
    f,
    dtype,
  );
  const x = input(f, 'in.x', dtype);
  return forwardBackward(f, m, x, m.forward(x, { isCausal: c.causal as boolean }), dtype);
}

/** The fixture's tiny LM with its parameters loaded (strict) in `dtype`. */
export function buildFixtureLM(f: Fixture, dtype: FloatDType): TransformerLM {
  const c = f.config;
  return withParams(
    new TransformerLM({
      vocabSize: c.vocab as number,
      maxSeqLen: c.seq_len as number,
      dModel: c.d_model as number,
      nHead: c.nhead as number,
      numLayers: c.num_layers as number,
      dimFeedforward: c.dim_feedforward as number,
      dropout: c.dropout as number,
      activation: 'gelu',
      layerNormEps: c.layer_norm_eps as number,
      normFirst: c.norm_first as boolean,
      finalNorm: c.final_norm as boolean,
    }),
    f,
    dtype,
  );
}

/** Batch s of the fixture's [steps, B, T] tensors. */
export function batchAt(t: Tensor, s: number): Tensor {
  return reshape(slice(t, 0, s, s + 1), t.shape.slice(1));
}

function tinyLM(f: Fixture, dtype: FloatDType): Comparison[] {
  const out: Comparison[] = [];
  // Step 0: logits, loss and every parameter gradient.
  const lm = buildFixtureLM(f, dtype);
  const logits = lm.forward(batchAt(f.get('in.tokens'), 0));
  const loss = crossEntropy(logits, batchAt(f.get('in.targets'), 0));
  loss.backward();
  out.push({ key: 'out.logits', actual: logits, expected: f.get('out.logits') }, { key: 'out.loss', actual: reshape(loss, [1]), expected: f.get('out.loss') });
  for (const [name, p] of lm.namedParameters()) out.push({ key: `grad.param.${name}`, actual: p.grad!, expected: f.get(`grad.param.${name}`) });
  // The Adam trajectory from the same start.
  const opt = f.config.optimizer as { lr: number; betas: [number, number]; eps: number };
  const model = buildFixtureLM(f, dtype);
  const adam = new Adam(model.parameters(), { lr: opt.lr, betas: opt.betas, eps: opt.eps });
  const losses: number[] = [];
  const norms: number[] = [];
  for (let s = 0; s < (f.config.steps as number); s++) {
    const l = crossEntropy(model.forward(batchAt(f.get('in.tokens'), s)), batchAt(f.get('in.targets'), s));
    adam.zeroGrad();
    l.backward();
    losses.push(l.item());
    norms.push(gradNorm(model.parameters()));
    adam.step();
  }
  const vec = (v: number[]) => new Tensor(Float64Array.from(v), [v.length]);
  out.push({ key: 'traj.loss', actual: vec(losses), expected: f.get('traj.loss') }, { key: 'traj.grad_norm', actual: vec(norms), expected: f.get('traj.grad_norm') });
  // in_proj_bias[E:2E] (the key bias) has an exactly-zero gradient in exact arithmetic: PyTorch's 8 steps move it
  // by ~1e-11 of rounding noise that Adam (ε = 1e-9) amplifies, which no implementation can reproduce. The
  // golden test checks that slice for what it must be (noise-sized); here the q and v parts are compared.
  const E = f.config.d_model as number;
  const part = (t: Tensor, i: number): Tensor => slice(t, 0, i * E, (i + 1) * E);
  for (const [name, p] of model.namedParameters()) {
    const expected = f.get(`traj.final.${name}`);
    if (!name.endsWith('self_attn.in_proj_bias')) out.push({ key: `traj.final.${name}`, actual: p, expected });
    else for (const [i, what] of [[0, 'q'], [2, 'v']] as const) out.push({ key: `traj.final.${name}[${what}]`, actual: part(p, i), expected: part(expected, i) });
  }
  return out;
}

/** The model after the trajectory, for the key-bias check (kept separate so the comparisons stay pure). */
export function keyBiasAfterTrajectory(dtype: FloatDType): { values: Tensor[]; bound: number } {
  const f = loadFixture('tiny_lm_pre_ln_adam');
  const opt = f.config.optimizer as { lr: number; betas: [number, number]; eps: number };
  const model = buildFixtureLM(f, dtype);
  const adam = new Adam(model.parameters(), { lr: opt.lr, betas: opt.betas, eps: opt.eps });
  const steps = f.config.steps as number;
  for (let s = 0; s < steps; s++) {
    const l = crossEntropy(model.forward(batchAt(f.get('in.tokens'), s)), batchAt(f.get('in.targets'), s));
    adam.zeroGrad();
    l.backward();
    adam.step();
  }
  const E = f.config.d_model as number;
  const values = model.namedParameters().filter(([n]) => n.endsWith('self_attn.in_proj_bias')).map(([, p]) => slice(p, 0, E, 2 * E));
  // float64: noise of the fixture's own size; float32: rounding noise (~1e-8) ≫ ε lets Adam take steps of up to
  // ~lr each, so the slice stays within steps·lr.
  return { values, bound: dtype === 'float64' ? 1e-9 : steps * opt.lr };
}

/** Each fixture file and how to reproduce it. */
export const FIXTURE_CASES: Record<string, (f: Fixture, dtype: FloatDType) => Comparison[]> = {
  layernorm_basic: (f, dtype) =>
    (['fused', 'composite'] as const).flatMap((impl) => {
      const m = withParams(new LayerNorm(16, { impl, eps: f.config.eps as number }), f, dtype);
      const x = input(f, 'in.x', dtype);
      return forwardBackward(f, m, x, m.forward(x), dtype).map((c) => ({ ...c, key: `${impl} ${c.key}` }));
    }),
  layernorm_stability: (f, dtype) => (['fused', 'composite'] as const).flatMap((impl) => layerNormStability(f, dtype, impl).map((c) => ({ ...c, key: `${impl} ${c.key}` }))),
  rmsnorm_basic: (f, dtype) => {
    const m = withParams(new RMSNorm(16, { eps: f.config.eps as number }), f, dtype);
    const x = input(f, 'in.x', dtype);
    return forwardBackward(f, m, x, m.forward(x), dtype);
  },
  dyt_basic: (f, dtype) => {
    const m = withParams(new DyT(16), f, dtype);
    const x = input(f, 'in.x', dtype);
    return forwardBackward(f, m, x, m.forward(x), dtype);
  },
  batchnorm1d_train: (f, dtype) => {
    // The fixture starts from PyTorch's initial running stats (mean 0, var 1), so it stores no buffers.
    const m = new BatchNorm1d(16, { eps: f.config.eps as number, momentum: f.config.momentum as number }).to(dtype);
    const { missingKeys } = m.loadStateDict(new Map([['weight', f.get('param.weight', dtype)], ['bias', f.get('param.bias', dtype)]]), { strict: false });
    if (missingKeys.join() !== 'running_mean,running_var,num_batches_tracked') throw new Error(`batchnorm1d_train: unexpected missing keys ${missingKeys.join()}`);
    const x = input(f, 'in.x', dtype);
    const out = forwardBackward(f, m, x, m.forward(x), dtype);
    out.push({ key: 'out.running_mean', actual: m.running_mean!, expected: f.get('out.running_mean') }, { key: 'out.running_var', actual: m.running_var!, expected: f.get('out.running_var') });
    m.eval();
    out.push({ key: 'out.y_eval', actual: m.forward(f.get('in.x_eval', dtype)), expected: f.get('out.y_eval') });
    return out;
  },
  gelu: (f, dtype) =>
    (['erf', 'tanh'] as const).flatMap((form) => {
      const x = input(f, 'in.x', dtype);
      const y = new GELU(form === 'erf' ? 'none' : 'tanh').forward(x);
      const [dx] = grad(sum(mul(y, f.get('upstream', dtype))), [x]);
      return [
        { key: `out.${form}`, actual: y, expected: f.get(`out.${form}`) },
        { key: `grad.in.x_${form}`, actual: dx!, expected: f.get(`grad.in.x_${form}`) },
      ];
    }),
  cross_entropy: (f, dtype) => {
    const logits = input(f, 'in.logits', dtype);
    const loss = crossEntropy(logits, f.get('in.target'), { ignoreIndex: f.config.ignore_index as number });
    const [dl] = grad(loss, [logits]);
    return [
      { key: 'out.loss', actual: reshape(loss, [1]), expected: f.get('out.loss') },
      { key: 'grad.in.logits', actual: dl!, expected: f.get('grad.in.logits') },
    ];
  },
  mha_plain: (f, dtype) => mha(f, dtype),
  mha_causal_padded: (f, dtype) => mha(f, dtype),
  encoder_layer_post_ln: encoderLayer,
  encoder_layer_pre_ln: encoderLayer,
  tiny_lm_pre_ln_adam: tinyLM,
};

function mha(f: Fixture, dtype: FloatDType): Comparison[] {
  const m = withParams(new MultiheadAttention(f.config.embed_dim as number, f.config.num_heads as number), f, dtype);
  const x = input(f, 'in.x', dtype);
  const kpm = f.keys().includes('in.key_padding_mask') ? f.get('in.key_padding_mask') : null;
  return forwardBackward(f, m, x, m.forward(x, x, x, { isCausal: f.config.causal === true, keyPaddingMask: kpm }).output, dtype);
}

/** Runs one fixture in one dtype: every comparison with its error and the tolerance. */
export function runFixture(name: string, dtype: FloatDType): { key: string; error: number; tol: number }[] {
  const run = FIXTURE_CASES[name];
  if (!run) throw new Error(`fixture ${name}: no case (known: ${Object.keys(FIXTURE_CASES).join(', ')})`);
  const tol = tolerance(name, dtype);
  return run(loadFixture(name), dtype).map((c) => ({ key: c.key, error: relErr(dtype, c.actual, c.expected), tol }));
}
