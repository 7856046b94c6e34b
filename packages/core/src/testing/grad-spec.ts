// The gradient-spec machinery: one row per (op, case) — shapes, input domain, order — checked by gradcheck
// and, for order 2, gradgradcheck. Core's table is ops/grad-specs.ts; nn reuses this for its modules.
import { gradcheck, gradgradcheck } from '../autograd/gradcheck';
import type { GradcheckOptions } from '../autograd/gradcheck';
import { Generator } from '../random';
import type { Shape } from '../shape';
import { numel } from '../shape';
import { Tensor } from '../tensor';

/**
 * Where inputs are drawn from: `real` N(0,1); `positive` U(0.5, 2) (log, sqrt, pow bases); `awayFromZero`
 * |x| ∈ [0.2, 1.5] with a random sign (abs, relu, clamp — keeps central differences off kinks); `distinct`
 * a shuffled grid with gaps of 0.1 (max: no ties).
 */
export type Domain = 'real' | 'positive' | 'awayFromZero' | 'distinct';

export interface GradSpec {
  /** The exported name of the op or module under test. */
  op: string;
  /** What this case covers, e.g. `broadcast [2,3]*[3]`. */
  label: string;
  shapes: Shape[];
  /** One domain for all inputs, or one per input. Default `real`. */
  domain?: Domain | Domain[];
  /** Applies the op to float64 inputs (closing over any non-tensor arguments). */
  fn: (...inputs: Tensor[]) => Tensor | Tensor[];
  /** 2 also runs gradgradcheck. Default 1. */
  order?: 1 | 2;
  /**
   * Turns the sampled inputs into the full input list, e.g. appending a freshly built module's parameters
   * (which `fn` then reads through the module).
   */
  setup?: (inputs: Tensor[], gen: Generator) => Tensor[];
  /** Indices of inputs that are constants (no gradient checked). */
  constant?: number[];
  options?: GradcheckOptions;
}

export function sampleInput(shape: Shape, domain: Domain, gen: Generator): Tensor {
  const n = numel(shape);
  const data = new Float64Array(n);
  if (domain === 'distinct') {
    const perm = gen.permutation(n);
    for (let i = 0; i < n; i++) data[i] = (perm[i]! - n / 2) * 0.1 + 0.01 * gen.random();
  } else {
    for (let i = 0; i < n; i++) {
      if (domain === 'real') data[i] = gen.normal();
      else if (domain === 'positive') data[i] = 0.5 + 1.5 * gen.random();
      else data[i] = (gen.random() < 0.5 ? -1 : 1) * (0.2 + 1.3 * gen.random());
    }
  }
  return new Tensor(data, shape);
}

/** The float64 inputs of a spec, from a generator seeded by its position so every run sees the same numbers. */
export function specInputs(spec: GradSpec, seed: number): Tensor[] {
  const gen = new Generator(seed);
  return spec.shapes.map((shape, i) => {
    const domain = Array.isArray(spec.domain) ? (spec.domain[i] ?? 'real') : (spec.domain ?? 'real');
    const t = sampleInput(shape, domain, gen);
    t.requiresGrad = !(spec.constant ?? []).includes(i);
    return t;
  });
}

/** Runs gradcheck (and gradgradcheck for order 2) on one spec row; throws GradcheckError on a mismatch. */
export function checkSpec(spec: GradSpec, seed = 0): void {
  const sampled = specInputs(spec, seed);
  const inputs = spec.setup ? spec.setup(sampled, new Generator(seed + 1)) : sampled;
  gradcheck(spec.fn, inputs, spec.options);
  if ((spec.order ?? 1) === 2) gradgradcheck(spec.fn, inputs, spec.options);
}
