// RMSNorm (Zhang & Sennrich 2019): y = γ·x/√(mean(x²)+ε) — no centering, no bias. Composite.
import { add, formatShape, mean, mul, rsqrt } from '@lnlab/core';
import type { Tensor } from '@lnlab/core';
import { Module, Parameter } from '../module';
import { constant } from '../init';
import type { InitOptions } from '../init';

const MACHINE_EPS = { float32: 1.1920928955078125e-7, float64: 2.220446049250313e-16 } as const;

export interface RMSNormOptions extends InitOptions {
  /** Default: the dtype's machine epsilon, as PyTorch's `eps=None`. */
  eps?: number;
  elementwiseAffine?: boolean;
}

export class RMSNorm extends Module {
  readonly normalizedShape: number[];
  weight: Parameter | null;
  readonly eps: number | undefined;

  constructor(normalizedShape: number | readonly number[], options: RMSNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.length === 0 || this.normalizedShape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new Error(`RMSNorm: normalizedShape must be positive integers, got ${formatShape(this.normalizedShape)}`);
    }
    if (options.eps !== undefined && !(options.eps > 0)) throw new Error(`RMSNorm: eps must be > 0, got ${options.eps}`);
    this.eps = options.eps;
    this.weight = (options.elementwiseAffine ?? true) ? new Parameter(constant(this.normalizedShape, 1, options)) : null;
  }

  forward(x: Tensor): Tensor {
    const k = this.normalizedShape.length;
    if (x.ndim < k || x.shape.slice(x.ndim - k).some((d, i) => d !== this.normalizedShape[i])) {
      throw new Error(`RMSNorm: input ${formatShape(x.shape)} does not end in normalizedShape ${formatShape(this.normalizedShape)}`);
    }
    if (x.dtype === 'int32') throw new Error(`RMSNorm: input must be a float tensor, got int32 ${formatShape(x.shape)}`);
    const axes = Array.from({ length: k }, (_, i) => x.ndim - k + i);
    const eps = this.eps ?? MACHINE_EPS[x.dtype];
    const y = mul(x, rsqrt(add(mean(mul(x, x), axes, { keepdim: true }), eps)));
    return this.weight ? mul(y, this.weight) : y;
  }
}
