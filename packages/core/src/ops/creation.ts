// Factories: zeros, ones, full, arange, eye, and random tensors from a seeded Generator.
import { allocate } from '../dtype';
import type { DType } from '../dtype';
import { assertShape, numel } from '../shape';
import type { Shape } from '../shape';
import { Tensor } from '../tensor';
import { Generator } from '../random';

export interface FactoryOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends FactoryOptions {
  generator?: Generator;
}

const defaultGenerator = new Generator(0);

/** Seeds the generator used when none is passed, and returns it. */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}

/** The generator used when none is passed. */
export function getDefaultGenerator(): Generator {
  return defaultGenerator;
}

function make(op: string, shape: Shape, options: FactoryOptions, fill: (data: Tensor['data']) => void): Tensor {
  assertShape(op, shape);
  const data = allocate(options.dtype ?? 'float32', numel(shape));
  fill(data);
  return new Tensor(data, shape, options.requiresGrad ?? false);
}

export function zeros(shape: Shape, options: FactoryOptions = {}): Tensor {
  return make('zeros', shape, options, () => {});
}

export function ones(shape: Shape, options: FactoryOptions = {}): Tensor {
  return full(shape, 1, options);
}

export function full(shape: Shape, value: number, options: FactoryOptions = {}): Tensor {
  return make('full', shape, options, (d) => d.fill(value));
}

export function zerosLike(x: Tensor, options: FactoryOptions = {}): Tensor {
  return zeros(x.shape, { dtype: x.dtype, ...options });
}

export function onesLike(x: Tensor, options: FactoryOptions = {}): Tensor {
  return ones(x.shape, { dtype: x.dtype, ...options });
}

/** `[start, end)` by `step` (PyTorch's `arange(start, end, step)`; `arange(n)` counts 0..n−1). */
export function arange(start: number, end?: number, step = 1, options: FactoryOptions = {}): Tensor {
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  if (step === 0 || !Number.isFinite(step)) throw new Error(`arange: step must be finite and non-zero, got ${step}`);
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  return make('arange', [n], options, (d) => {
    for (let i = 0; i < n; i++) d[i] = lo + i * step;
  });
}

/** Identity matrix [n, m] (m defaults to n). */
export function eye(n: number, m = n, options: FactoryOptions = {}): Tensor {
  return make('eye', [n, m], options, (d) => {
    for (let i = 0; i < Math.min(n, m); i++) d[i * m + i] = 1;
  });
}

/** Uniform in [0, 1). */
export function rand(shape: Shape, options: RandomOptions = {}): Tensor {
  const g = options.generator ?? defaultGenerator;
  return make('rand', shape, options, (d) => {
    for (let i = 0; i < d.length; i++) d[i] = g.random();
  });
}

/** Standard normal. */
export function randn(shape: Shape, options: RandomOptions = {}): Tensor {
  const g = options.generator ?? defaultGenerator;
  return make('randn', shape, options, (d) => {
    for (let i = 0; i < d.length; i++) d[i] = g.normal();
  });
}

/** Uniform integers in [low, high) (int32 by default). */
export function randint(low: number, high: number, shape: Shape, options: RandomOptions = {}): Tensor {
  const g = options.generator ?? defaultGenerator;
  return make('randint', shape, { dtype: 'int32', ...options }, (d) => {
    for (let i = 0; i < d.length; i++) d[i] = g.randint(low, high);
  });
}
