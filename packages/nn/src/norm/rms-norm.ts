// RMSNorm (Zhang & Sennrich 2019): y = γ·x/√(mean(x²)+ε) — no centering, no bias. Two implementations with one
// interface, as LayerNorm: a composite of primitives and a fused op with a hand-derived backward.
import { Tensor, add, defineOp, formatShape, mean, mul, rmsNormBackward, rmsNormForward, rsqrt, zerosLike } from '@lnlab/core';
import type { FloatArray, FloatDType } from '@lnlab/core';
import { Module, Parameter } from '../module';
import { constant } from '../init';
import type { InitOptions } from '../init';

const MACHINE_EPS = { float32: 1.1920928955078125e-7, float64: 2.220446049250313e-16 } as const;

function checkInput(x: Tensor, normalizedShape: readonly number[], weight: Tensor | null): number[] {
  const k = normalizedShape.length;
  if (x.ndim < k || x.shape.slice(x.ndim - k).some((d, i) => d !== normalizedShape[i])) {
    throw new Error(`RMSNorm: input ${formatShape(x.shape)} does not end in normalizedShape ${formatShape(normalizedShape)}`);
  }
  if (x.dtype === 'int32') throw new Error(`RMSNorm: input must be a float tensor, got int32 ${formatShape(x.shape)}`);
  if (weight && (weight.ndim !== k || weight.shape.some((d, i) => d !== normalizedShape[i]))) {
    throw new Error(`RMSNorm: weight ${formatShape(weight.shape)} must have normalizedShape ${formatShape(normalizedShape)}`);
  }
  return Array.from({ length: k }, (_, i) => x.ndim - k + i);
}

/** The default ε: the input dtype's machine epsilon (PyTorch's `eps=None`). */
const defaultEps = (x: Tensor): number => MACHINE_EPS[x.dtype as FloatDType];

/** RMSNorm from primitives (mul, mean, rsqrt): the reference the fused op is tested against. */
export function rmsNormComposite(x: Tensor, normalizedShape: readonly number[], weight: Tensor | null, eps?: number): Tensor {
  const axes = checkInput(x, normalizedShape, weight);
  const y = mul(x, rsqrt(add(mean(mul(x, x), axes, { keepdim: true }), eps ?? defaultEps(x))));
  return weight ? mul(y, weight) : y;
}

/**
 * The fused op: one kernel forward (row statistics in float64), a hand-derived backward
 * dx = r·(g − x̂·mean(g·x̂)), g = dy·γ. Recording a graph of the backward (createGraph) differentiates the
 * composite instead, so second derivatives work.
 */
export function rmsNormFused(x: Tensor, normalizedShape: readonly number[], weight: Tensor | null, eps?: number): Tensor {
  checkInput(x, normalizedShape, weight);
  if (weight && weight.dtype !== x.dtype) throw new Error(`RMSNorm: weight is ${weight.dtype} but the input is ${x.dtype}`);
  const e = eps ?? defaultEps(x);
  const n = normalizedShape.reduce((p, d) => p * d, 1);
  const rows = n === 0 ? 0 : x.size / n;
  const rstd = new Float64Array(rows);
  const inputs = weight ? [x, weight] : [x];
  const op = defineOp('rmsNorm', {
    forward: ([xi, w]) => {
      const y = zerosLike(xi!);
      rmsNormForward(xi!.data as FloatArray, (w?.data as FloatArray) ?? null, e, n, y.data as FloatArray, rstd);
      return y;
    },
    // dx = r·(g − x̂·mean(g·x̂)), g = dy·γ, x̂ = x·r;  dγ = Σ dy·x̂
    backward: (grad, [xi, w]) => {
      const dx = xi!.requiresGrad ? zerosLike(xi!) : null;
      const dw = w?.requiresGrad ? new Float64Array(n) : null;
      rmsNormBackward(grad.data as FloatArray, xi!.data as FloatArray, (w?.data as FloatArray) ?? null, rstd, n, (dx?.data as FloatArray) ?? null, dw);
      const dwt = dw && w ? new Tensor(w.dtype === 'float64' ? dw : Float32Array.from(dw), w.shape) : null;
      return w ? [dx, dwt] : [dx];
    },
    composite: ([xi, w]) => rmsNormComposite(xi!, normalizedShape, w ?? null, e),
  });
  return op(...inputs);
}

export interface RMSNormOptions extends InitOptions {
  /** Default: the dtype's machine epsilon, as PyTorch's `eps=None`. */
  eps?: number;
  elementwiseAffine?: boolean;
  /** `fused` (default) or `composite`. */
  impl?: 'fused' | 'composite';
}

export class RMSNorm extends Module {
  readonly normalizedShape: number[];
  weight: Parameter | null;
  readonly eps: number | undefined;
  readonly impl: 'fused' | 'composite';

  constructor(normalizedShape: number | readonly number[], options: RMSNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.length === 0 || this.normalizedShape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new Error(`RMSNorm: normalizedShape must be positive integers, got ${formatShape(this.normalizedShape)}`);
    }
    if (options.eps !== undefined && !(options.eps > 0)) throw new Error(`RMSNorm: eps must be > 0, got ${options.eps}`);
    this.eps = options.eps;
    this.impl = options.impl ?? 'fused';
    this.weight = (options.elementwiseAffine ?? true) ? new Parameter(constant(this.normalizedShape, 1, options)) : null;
  }

  forward(x: Tensor): Tensor {
    // Mixed dtypes (a float64 input through float32 weights) keep the composite's type promotion.
    if (this.impl === 'fused' && (!this.weight || this.weight.dtype === x.dtype)) {
      return rmsNormFused(x, this.normalizedShape, this.weight, this.eps);
    }
    return rmsNormComposite(x, this.normalizedShape, this.weight, this.eps);
  }
}
