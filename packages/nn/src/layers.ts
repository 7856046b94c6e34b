// Basic layers: Linear, Embedding, Dropout, activations, Identity, Sequential.
import { Tensor, gelu, indexSelect, linear, mul, relu, reshape, formatShape, getDefaultGenerator } from '@lnlab/core';
import type { Generator } from '@lnlab/core';
import { Module, Parameter } from './module';
import { kaimingUniform, normal, uniform } from './init';
import type { InitOptions } from './init';

export interface LinearOptions extends InitOptions {
  bias?: boolean;
}

/** y = x·Wᵀ + b with W [out, in]; init as PyTorch (kaiming-uniform a=√5, bias U(±1/√in)). */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    if (!(inFeatures > 0 && outFeatures > 0 && Number.isInteger(inFeatures) && Number.isInteger(outFeatures))) {
      throw new Error(`Linear: inFeatures and outFeatures must be positive integers, got ${inFeatures}, ${outFeatures}`);
    }
    this.weight = new Parameter(kaimingUniform([outFeatures, inFeatures], Math.sqrt(5), options));
    const bound = 1 / Math.sqrt(inFeatures);
    this.bias = options.bias === false ? null : new Parameter(uniform([outFeatures], -bound, bound, options));
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/** A lookup table [numEmbeddings, embeddingDim], init N(0, 1) as PyTorch. */
export class Embedding extends Module {
  weight: Parameter;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: InitOptions = {},
  ) {
    super();
    this.weight = new Parameter(normal([numEmbeddings, embeddingDim], 0, 1, options));
  }

  /** ids: int32 of any shape → [...ids.shape, embeddingDim]. */
  forward(ids: Tensor): Tensor {
    if (ids.dtype !== 'int32') throw new Error(`Embedding: ids must be int32, got ${ids.dtype} ${formatShape(ids.shape)}`);
    const flat = ids.ndim === 1 ? ids : new Tensor(ids.data, [ids.size]);
    return reshape(indexSelect(this.weight, 0, flat), [...ids.shape, this.embeddingDim]);
  }
}

/** Zeroes each element with probability p in training and scales the rest by 1/(1−p); seeded. */
export class Dropout extends Module {
  private readonly generator: Generator;

  constructor(
    readonly p = 0.5,
    options: { generator?: Generator } = {},
  ) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: p must be in [0, 1), got ${p}`);
    this.generator = options.generator ?? getDefaultGenerator();
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const keep = new Tensor(x.dtype === 'float64' ? new Float64Array(x.size) : new Float32Array(x.size), x.shape);
    const scale = 1 / (1 - this.p);
    for (let i = 0; i < keep.size; i++) keep.data[i] = this.generator.random() >= this.p ? scale : 0;
    return mul(x, keep);
  }
}

export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }

  forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Applies modules in order (children named 0, 1, … as PyTorch's Sequential). */
export class Sequential extends Module {
  private readonly items: Module[];

  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => ((this as unknown as Record<string, Module>)[String(i)] = m));
    this.items = modules;
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.items) y = (m as unknown as { forward: (t: Tensor) => Tensor }).forward(y);
    return y;
  }
}
