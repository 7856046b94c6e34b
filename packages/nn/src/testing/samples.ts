// Test inputs shared by the norm tests: seeded float64 samples and gradient-requiring leaves of a chosen dtype.
import { cast, tensor } from '@lnlab/core';
import type { Generator, Tensor } from '@lnlab/core';

/** A float64 tensor of `shape` with entries offset + scale·N(0, 1) from `gen`. */
export function sample(shape: number[], gen: Generator, offset = 0, scale = 1): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  return tensor(Float64Array.from({ length: n }, () => offset + scale * gen.normal()), { shape });
}

/** `t` cast to `dtype` as a fresh leaf that requires grad. */
export function leaf(t: Tensor, dtype: 'float32' | 'float64'): Tensor {
  const c = cast(t, dtype).detach();
  c.requiresGrad = true;
  return c;
}
