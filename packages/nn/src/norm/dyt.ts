// Dynamic Tanh (Zhu et al. 2025, "Transformers without Normalization"): y = γ·tanh(α·x) + β, α a learnable scalar.
import { add, formatShape, mul, tanh } from '@lnlab/core';
import type { Tensor } from '@lnlab/core';
import { Module, Parameter } from '../module';
import { constant } from '../init';
import type { InitOptions } from '../init';

export interface DyTOptions extends InitOptions {
  /** α's initial value; 0.5 for non-LLM models in the paper. */
  alphaInit?: number;
}

export class DyT extends Module {
  alpha: Parameter;
  weight: Parameter;
  bias: Parameter;

  constructor(
    readonly dim: number,
    options: DyTOptions = {},
  ) {
    super();
    if (!Number.isInteger(dim) || dim <= 0) throw new Error(`DyT: dim must be a positive integer, got ${dim}`);
    this.alpha = new Parameter(constant([1], options.alphaInit ?? 0.5, options));
    this.weight = new Parameter(constant([dim], 1, options));
    this.bias = new Parameter(constant([dim], 0, options));
  }

  forward(x: Tensor): Tensor {
    if (x.shape[x.ndim - 1] !== this.dim) throw new Error(`DyT: input ${formatShape(x.shape)} does not end in dim ${this.dim}`);
    return add(mul(tanh(mul(x, this.alpha)), this.weight), this.bias);
  }
}
