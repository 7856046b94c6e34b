// PyTorch's default initialisations, drawn from a seeded Generator.
import { Tensor, getDefaultGenerator } from '@lnlab/core';
import type { FloatDType, Generator, Shape } from '@lnlab/core';

export interface InitOptions {
  generator?: Generator;
  dtype?: FloatDType;
}

function alloc(shape: Shape, dtype: FloatDType): Float32Array | Float64Array {
  const n = shape.reduce((p, d) => p * d, 1);
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/** fan_in / fan_out as PyTorch computes them for a weight of `shape` ([out, in, ...receptive]). */
export function fans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new Error(`init: fan in/out need at least 2 dims, got ${JSON.stringify(shape)}`);
  const receptive = shape.slice(2).reduce((p, d) => p * d, 1);
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

export function uniform(shape: Shape, low: number, high: number, options: InitOptions = {}): Tensor {
  const g = options.generator ?? getDefaultGenerator();
  const d = alloc(shape, options.dtype ?? 'float32');
  for (let i = 0; i < d.length; i++) d[i] = low + (high - low) * g.random();
  return new Tensor(d, shape);
}

export function normal(shape: Shape, mean = 0, std = 1, options: InitOptions = {}): Tensor {
  const g = options.generator ?? getDefaultGenerator();
  const d = alloc(shape, options.dtype ?? 'float32');
  for (let i = 0; i < d.length; i++) d[i] = mean + std * g.normal();
  return new Tensor(d, shape);
}

export function constant(shape: Shape, value: number, options: InitOptions = {}): Tensor {
  return new Tensor(alloc(shape, options.dtype ?? 'float32').fill(value), shape);
}

/** kaiming_uniform_(a, mode='fan_in', nonlinearity='leaky_relu'): U(±gain·√(3/fan_in)), gain = √(2/(1+a²)). */
export function kaimingUniform(shape: Shape, a = Math.sqrt(5), options: InitOptions = {}): Tensor {
  const bound = Math.sqrt(2 / (1 + a * a)) * Math.sqrt(3 / fans(shape).fanIn);
  return uniform(shape, -bound, bound, options);
}

/** xavier_uniform_(gain): U(±gain·√(6/(fan_in+fan_out))). */
export function xavierUniform(shape: Shape, gain = 1, options: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(shape);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(shape, -bound, bound, options);
}
