// LayerNorm: y = γ·(x−μ)/√(σ²+ε) + β over the trailing `normalizedShape` axes (biased σ², as PyTorch).
// Two implementations with one interface: a composite of primitives (no backward of its own) and a fused op
// with the hand-derived llm.c backward. The lab's variants (unbiased σ, ε outside the root) use the composite.
import {
  Tensor, add, center, defineOp, div, formatShape, layerNormBackward, layerNormForward, mul, rsqrt, sqrt, sum, zerosLike,
} from '@lnlab/core';
import type { FloatArray } from '@lnlab/core';
import { Module, Parameter } from '../module';
import { constant } from '../init';
import type { InitOptions } from '../init';

/** `biased` divides Σ(x−μ)² by n (PyTorch); `unbiased` by n−1 (the tutorial variant). */
export type VarianceKind = 'biased' | 'unbiased';
/** `inside`: (x−μ)/√(σ²+ε) (PyTorch); `outside`: (x−μ)/(σ+ε) (the Annotated Transformer's). */
export type EpsPlacement = 'inside' | 'outside';

export interface LayerNormFunctionOptions {
  eps?: number;
  variance?: VarianceKind;
  epsPlacement?: EpsPlacement;
}

function checkInput(op: string, x: Tensor, normalizedShape: readonly number[], weight: Tensor | null, bias: Tensor | null): number[] {
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (x.ndim < k || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new Error(`${op}: input ${formatShape(x.shape)} does not end in normalizedShape ${formatShape(normalizedShape)}`);
  }
  for (const [name, p] of [['weight', weight], ['bias', bias]] as const) {
    if (p && (p.ndim !== k || p.shape.some((d, i) => d !== normalizedShape[i]))) {
      throw new Error(`${op}: ${name} ${formatShape(p.shape)} must have normalizedShape ${formatShape(normalizedShape)}`);
    }
    if (p && p.dtype !== x.dtype) throw new Error(`${op}: ${name} is ${p.dtype} but the input is ${x.dtype}`);
  }
  return Array.from({ length: k }, (_, i) => x.ndim - k + i);
}

/** LayerNorm from primitives (mean, sub, mul, rsqrt…): the reference the fused op is tested against. */
export function layerNormComposite(
  x: Tensor, normalizedShape: readonly number[], weight: Tensor | null, bias: Tensor | null, options: LayerNormFunctionOptions = {},
): Tensor {
  const axes = checkInput('layerNorm', x, normalizedShape, weight, bias);
  const eps = options.eps ?? 1e-5;
  const n = normalizedShape.reduce((p, d) => p * d, 1);
  const centered = center(x, axes);
  const ss = sum(mul(centered, centered), axes, { keepdim: true });
  const variance = div(ss, options.variance === 'unbiased' ? n - 1 : n);
  let y =
    options.epsPlacement === 'outside'
      ? div(centered, add(sqrt(variance), eps))
      : mul(centered, rsqrt(add(variance, eps)));
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
}

/**
 * The fused op (PyTorch's formula only): one kernel forward, the llm.c backward. Recording a graph of the
 * backward (createGraph) differentiates the composite instead, so second derivatives work.
 */
export function layerNormFused(x: Tensor, normalizedShape: readonly number[], weight: Tensor | null, bias: Tensor | null, eps = 1e-5): Tensor {
  checkInput('layerNorm', x, normalizedShape, weight, bias);
  if (x.dtype === 'int32') throw new Error(`layerNorm: input must be a float tensor, got int32 ${formatShape(x.shape)}`);
  const n = normalizedShape.reduce((p, d) => p * d, 1);
  const rows = n === 0 ? 0 : x.size / n;
  const stats = { mean: new Float64Array(rows), rstd: new Float64Array(rows) };
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const unpack = (ts: Tensor[]): [Tensor, Tensor | null, Tensor | null] => [ts[0]!, weight ? ts[1]! : null, bias ? ts[weight ? 2 : 1]! : null];
  const op = defineOp('layerNorm', {
    forward: (ts) => {
      const [xi, w, b] = unpack(ts);
      const y = zerosLike(xi);
      layerNormForward(xi.data as FloatArray, (w?.data as FloatArray) ?? null, (b?.data as FloatArray) ?? null, eps, n, y.data as FloatArray, stats.mean, stats.rstd);
      return y;
    },
    // dx = r·(g − mean(g) − x̂·mean(g·x̂)), g = dy·γ;  dγ = Σ dy·x̂;  dβ = Σ dy
    backward: (grad, ts) => {
      const [xi, w, b] = unpack(ts);
      const dx = xi.requiresGrad ? zerosLike(xi) : null;
      const dw = w?.requiresGrad ? new Float64Array(n) : null;
      const db = b?.requiresGrad ? new Float64Array(n) : null;
      layerNormBackward(grad.data as FloatArray, xi.data as FloatArray, (w?.data as FloatArray) ?? null, stats.mean, stats.rstd, n, (dx?.data as FloatArray) ?? null, dw, db);
      const asParam = (acc: Float64Array | null, p: Tensor | null): Tensor | null =>
        acc && p ? new Tensor(p.dtype === 'float64' ? acc : Float32Array.from(acc), p.shape) : null;
      return [dx, ...(weight ? [asParam(dw, w)] : []), ...(bias ? [asParam(db, b)] : [])];
    },
    composite: (ts) => {
      const [xi, w, b] = unpack(ts);
      return layerNormComposite(xi, normalizedShape, w, b, { eps });
    },
  });
  return op(...inputs);
}

export interface LayerNormOptions extends InitOptions, LayerNormFunctionOptions {
  elementwiseAffine?: boolean;
  bias?: boolean;
  /** `fused` (default; falls back to `composite` for the non-PyTorch variants) or `composite`. */
  impl?: 'fused' | 'composite';
}

/** nn.LayerNorm(normalizedShape, eps=1e-5, elementwise_affine=True, bias=True), plus the lab's variants. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  weight: Parameter | null;
  bias: Parameter | null;
  readonly eps: number;
  readonly variance: VarianceKind;
  readonly epsPlacement: EpsPlacement;
  readonly impl: 'fused' | 'composite';

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.length === 0 || this.normalizedShape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new Error(`LayerNorm: normalizedShape must be positive integers, got ${formatShape(this.normalizedShape)}`);
    }
    this.eps = options.eps ?? 1e-5;
    if (!(this.eps > 0)) throw new Error(`LayerNorm: eps must be > 0, got ${this.eps}`);
    this.variance = options.variance ?? 'biased';
    this.epsPlacement = options.epsPlacement ?? 'inside';
    if (this.variance === 'unbiased' && this.normalizedShape.reduce((p, d) => p * d, 1) < 2) {
      throw new Error('LayerNorm: the unbiased variance needs at least 2 normalized elements');
    }
    this.impl = options.impl ?? 'fused';
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? new Parameter(constant(this.normalizedShape, 1, options)) : null;
    this.bias = affine && (options.bias ?? true) ? new Parameter(constant(this.normalizedShape, 0, options)) : null;
  }

  /** Whether this configuration runs the fused kernel (PyTorch's formula) or the composite. */
  get usesFused(): boolean {
    return this.impl === 'fused' && this.variance === 'biased' && this.epsPlacement === 'inside';
  }

  forward(x: Tensor): Tensor {
    if (this.usesFused) return layerNormFused(x, this.normalizedShape, this.weight, this.bias, this.eps);
    return layerNormComposite(x, this.normalizedShape, this.weight, this.bias, {
      eps: this.eps,
      variance: this.variance,
      epsPlacement: this.epsPlacement,
    });
  }
}

