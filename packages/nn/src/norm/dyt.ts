// Dynamic Tanh (Zhu et al. 2025, "Transformers without Normalization"): y = γ·tanh(α·x) + β, α a learnable scalar.
// Two implementations with one interface, as LayerNorm: a composite of primitives and a fused op whose forward
// reproduces the composite bit for bit (the same kernels, the same roundings) and whose backward is one pass.
import { Tensor, add, binaryKernel, defineOp, formatShape, mul, tanh, unaryKernel, zerosLike } from '@lnlab/core';
import type { FloatArray } from '@lnlab/core';
import { Module, Parameter } from '../module';
import { constant } from '../init';
import type { InitOptions } from '../init';

function checkInput(x: Tensor, alpha: Tensor, weight: Tensor | null, bias: Tensor | null): number {
  const dim = x.shape[x.ndim - 1];
  if (dim === undefined) throw new Error(`DyT: input ${formatShape(x.shape)} needs at least one axis`);
  if (alpha.size !== 1 || alpha.ndim > 1) throw new Error(`DyT: alpha ${formatShape(alpha.shape)} must be a scalar of shape [1]`);
  for (const [name, p] of [['weight', weight], ['bias', bias]] as const) {
    if (p && (p.ndim !== 1 || p.shape[0] !== dim)) throw new Error(`DyT: ${name} ${formatShape(p.shape)} must have shape [${dim}]`);
  }
  return dim;
}

/** DyT from primitives (mul, tanh, add): the reference the fused op is tested against. */
export function dytComposite(x: Tensor, alpha: Tensor, weight: Tensor | null, bias: Tensor | null): Tensor {
  checkInput(x, alpha, weight, bias);
  let y = tanh(mul(x, alpha));
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
}

/**
 * One row of the backward: h = g·γ·(1 − t²); dx = α·h; dγ += g·t; dβ += g. Returns Σ h·x over the row (for dα).
 * `w` is γ (all ones when the op has no weight); dx / dw / db may be null.
 */
function backwardRow(
  g: FloatArray, x: FloatArray, t: FloatArray, w: FloatArray, alpha: number, o: number, n: number,
  dx: FloatArray | null, dw: Float64Array | null, db: Float64Array | null,
): number {
  let sa = 0;
  for (let i = 0; i < n; i++) {
    const gi = g[o + i]!;
    const ti = t[o + i]!;
    const h = gi * w[i]! * (1 - ti * ti);
    sa += h * x[o + i]!;
    if (dx) dx[o + i] = alpha * h;
    if (dw) dw[i] = dw[i]! + gi * ti;
    if (db) db[i] = db[i]! + gi;
  }
  return sa;
}

/**
 * The fused op: forward computes α·x, tanh and γ·t + β with the composite's own kernels and roundings (so its
 * values are the composite's exactly) and keeps t; the backward is one pass with float64 accumulators.
 * Recording a graph of the backward (createGraph) differentiates the composite instead.
 */
export function dytFused(x: Tensor, alpha: Tensor, weight: Tensor | null, bias: Tensor | null): Tensor {
  const n = checkInput(x, alpha, weight, bias);
  if (x.dtype === 'int32') throw new Error(`DyT: input must be a float tensor, got int32 ${formatShape(x.shape)}`);
  for (const [name, p] of [['alpha', alpha], ['weight', weight], ['bias', bias]] as const) {
    if (p && p.dtype !== x.dtype) throw new Error(`DyT: ${name} is ${p.dtype} but the input is ${x.dtype}`);
  }
  const f32 = x.dtype === 'float32';
  const saved: { t: FloatArray | null } = { t: null };
  const inputs = [x, alpha, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const unpack = (ts: Tensor[]): [Tensor, Tensor, Tensor | null, Tensor | null] =>
    [ts[0]!, ts[1]!, weight ? ts[2]! : null, bias ? ts[weight ? 3 : 2]! : null];
  const op = defineOp('dyt', {
    forward: (ts) => {
      const [xi, a, w, b] = unpack(ts);
      const t = zerosLike(xi).data as FloatArray;
      binaryKernel('mul', xi.data, xi.shape, a.data, a.shape, t, xi.shape);
      unaryKernel('tanh', t, t);
      saved.t = t;
      const y = zerosLike(xi);
      // γ·t, then + β in place: the composite's kernels (WebAssembly for float32), so the same roundings.
      if (w) binaryKernel('mul', t, xi.shape, w.data, w.shape, y.data, xi.shape);
      if (b) binaryKernel('add', w ? y.data : t, xi.shape, b.data, b.shape, y.data, xi.shape);
      if (!w && !b) y.data.set(t);
      return y;
    },
    // h = g·γ·(1 − t²):  dx = α·h;  dα = Σ h·x;  dγ = Σ_rows g·t;  dβ = Σ_rows g
    backward: (grad, ts) => {
      const [xi, a, w, b] = unpack(ts);
      const t = saved.t!;
      const dx = xi.requiresGrad ? zerosLike(xi) : null;
      const dw = w?.requiresGrad ? new Float64Array(n) : null;
      const db = b?.requiresGrad ? new Float64Array(n) : null;
      const wd = (w?.data as FloatArray) ?? new Float64Array(n).fill(1);
      const av = a.data[0]!;
      let sa = 0;
      for (let o = 0; o < xi.size; o += n) sa += backwardRow(grad.data as FloatArray, xi.data as FloatArray, t, wd, av, o, n, (dx?.data as FloatArray) ?? null, dw, db);
      const asTensor = (acc: ArrayLike<number>, shape: readonly number[]): Tensor =>
        new Tensor(f32 ? Float32Array.from(acc) : Float64Array.from(acc), [...shape]);
      return [
        dx,
        a.requiresGrad ? asTensor([sa], a.shape) : null,
        ...(w ? [dw ? asTensor(dw, w.shape) : null] : []),
        ...(b ? [db ? asTensor(db, b.shape) : null] : []),
      ];
    },
    composite: (ts) => {
      const [xi, a, w, b] = unpack(ts);
      return dytComposite(xi, a, w, b);
    },
  });
  return op(...inputs);
}

export interface DyTOptions extends InitOptions {
  /** α's initial value; 0.5 for non-LLM models in the paper. */
  alphaInit?: number;
  /** `fused` (default) or `composite`. */
  impl?: 'fused' | 'composite';
}

export class DyT extends Module {
  alpha: Parameter;
  weight: Parameter;
  bias: Parameter;
  readonly impl: 'fused' | 'composite';

  constructor(
    readonly dim: number,
    options: DyTOptions = {},
  ) {
    super();
    if (!Number.isInteger(dim) || dim <= 0) throw new Error(`DyT: dim must be a positive integer, got ${dim}`);
    this.impl = options.impl ?? 'fused';
    this.alpha = new Parameter(constant([1], options.alphaInit ?? 0.5, options));
    this.weight = new Parameter(constant([dim], 1, options));
    this.bias = new Parameter(constant([dim], 0, options));
  }

  forward(x: Tensor): Tensor {
    if (x.shape[x.ndim - 1] !== this.dim) throw new Error(`DyT: input ${formatShape(x.shape)} does not end in dim ${this.dim}`);
    // Mixed dtypes (or an int32 input) keep the composite's type promotion.
    const uniform = x.dtype !== 'int32' && [this.alpha, this.weight, this.bias].every((p) => p.dtype === x.dtype);
    if (this.impl === 'fused' && uniform) return dytFused(x, this.alpha, this.weight, this.bias);
    return dytComposite(x, this.alpha, this.weight, this.bias);
  }
}
