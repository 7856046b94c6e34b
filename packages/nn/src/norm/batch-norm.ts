// BatchNorm1d over channels-last inputs: [N, C] or token tensors [B, T, C] (each channel over B·T).
// Training normalizes with the biased batch variance and updates running_var with the unbiased one; eval uses
// the running statistics. (PyTorch's BatchNorm1d takes [N, C, L]; tokens here keep channels last.)
import { Tensor, add, center, formatShape, mean, mul, noGrad, rsqrt, sub, sum } from '@lnlab/core';
import { Buffer, Module, Parameter } from '../module';
import { constant } from '../init';
import type { InitOptions } from '../init';

export interface BatchNormOptions extends InitOptions {
  eps?: number;
  momentum?: number;
  affine?: boolean;
  trackRunningStats?: boolean;
}

export class BatchNorm1d extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  running_mean: Buffer | null;
  running_var: Buffer | null;
  num_batches_tracked: Buffer | null;
  readonly eps: number;
  readonly momentum: number;

  constructor(
    readonly numFeatures: number,
    options: BatchNormOptions = {},
  ) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) throw new Error(`BatchNorm1d: numFeatures must be a positive integer, got ${numFeatures}`);
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    if (!(this.eps > 0)) throw new Error(`BatchNorm1d: eps must be > 0, got ${this.eps}`);
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new Error(`BatchNorm1d: momentum must be in [0, 1], got ${this.momentum}`);
    const affine = options.affine ?? true;
    this.weight = affine ? new Parameter(constant([numFeatures], 1, options)) : null;
    this.bias = affine ? new Parameter(constant([numFeatures], 0, options)) : null;
    const track = options.trackRunningStats ?? true;
    this.running_mean = track ? new Buffer(constant([numFeatures], 0, options)) : null;
    this.running_var = track ? new Buffer(constant([numFeatures], 1, options)) : null;
    this.num_batches_tracked = track ? new Buffer(new Tensor(new Int32Array(1), [])) : null;
  }

  forward(x: Tensor): Tensor {
    const C = this.numFeatures;
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[x.ndim - 1] !== C) {
      throw new Error(`BatchNorm1d: expected [N, ${C}] or [B, T, ${C}], got ${formatShape(x.shape)}`);
    }
    const axes = x.ndim === 2 ? [0] : [0, 1];
    const count = x.size / C;
    let y: Tensor;
    if (this.training || !this.running_mean || !this.running_var) {
      if (count < 2 && this.training) throw new Error(`BatchNorm1d: training needs more than 1 value per channel, got input ${formatShape(x.shape)}`);
      const mu = mean(x, axes);
      const centered = center(x, axes);
      const ss = sum(mul(centered, centered), axes);
      const varBiased = mul(ss, 1 / count);
      y = mul(centered, rsqrt(add(varBiased, this.eps)));
      if (this.training && this.running_mean && this.running_var && this.num_batches_tracked) {
        const m = this.momentum;
        const rm = this.running_mean.data;
        const rv = this.running_var.data;
        noGrad(() => {
          for (let c = 0; c < C; c++) {
            rm[c] = (1 - m) * rm[c]! + m * mu.data[c]!;
            rv[c] = (1 - m) * rv[c]! + (m * ss.data[c]!) / (count - 1);
          }
        });
        this.num_batches_tracked.data[0]! += 1;
      }
    } else {
      y = mul(sub(x, this.running_mean), rsqrt(add(this.running_var, this.eps)));
    }
    if (this.weight) y = mul(y, this.weight);
    if (this.bias) y = add(y, this.bias);
    return y;
  }
}
