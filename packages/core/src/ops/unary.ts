// Elementwise unary primitives, each with its VJP (written with differentiable ops, so they nest).
import { record } from '../autograd/engine';
import { isGradEnabled } from '../autograd/mode';
import { unaryKernel } from '../kernels/elementwise';
import { geluBackwardF32, geluKernel } from '../kernels/gelu';
import type { UnaryOp } from '../kernels/elementwise';
import { sameShape } from '../shape';
import type { Tensor } from '../tensor';
import { add, div, mul, sub } from './arith';
import { cast } from './cast';
import { empty, requireFloat } from './util';
import { ge, le } from './compare';

function unary(op: UnaryOp, name: string, x: Tensor, vjp: (grad: Tensor, x: Tensor, out: Tensor) => Tensor, self: (x: Tensor) => Tensor): Tensor {
  requireFloat(name, x);
  const out = empty(x.dtype, x.shape);
  unaryKernel(op, x.data, out.data);
  return record(out, name, [x], (grad) => [vjp(grad, x, out)], ([a]) => self(a!));
}

/** A constant (no-grad) mask tensor computed by a kernel. */
function constant(op: UnaryOp, x: Tensor): Tensor {
  const out = empty(x.dtype, x.shape);
  unaryKernel(op, x.data, out.data);
  return out;
}

// d exp(x) = g·exp(x)
export function exp(x: Tensor): Tensor {
  return unary('exp', 'exp', x, (g, _x, out) => mul(g, out), exp);
}

// d ln x = g/x
export function log(x: Tensor): Tensor {
  return unary('log', 'log', x, (g, a) => div(g, a), log);
}

// d √x = g/(2√x)
export function sqrt(x: Tensor): Tensor {
  return unary('sqrt', 'sqrt', x, (g, _x, out) => div(g, mul(out, 2)), sqrt);
}

// d x^(-1/2) = −g·out³/2
export function rsqrt(x: Tensor): Tensor {
  return unary('rsqrt', 'rsqrt', x, (g, _x, out) => mul(g, mul(mul(out, mul(out, out)), -0.5)), rsqrt);
}

// d |x| = g·sign(x) (0 at 0, as in PyTorch)
export function abs(x: Tensor): Tensor {
  return unary('abs', 'abs', x, (g, a) => mul(g, constant('sign', a)), abs);
}

// d tanh x = g·(1 − tanh²x)
export function tanh(x: Tensor): Tensor {
  return unary('tanh', 'tanh', x, (g, _x, out) => mul(g, sub(1, mul(out, out))), tanh);
}

// d σ(x) = g·σ(x)·(1 − σ(x))
export function sigmoid(x: Tensor): Tensor {
  return unary('sigmoid', 'sigmoid', x, (g, _x, out) => mul(g, mul(out, sub(1, out))), sigmoid);
}

// d relu(x) = g·[x > 0]
export function relu(x: Tensor): Tensor {
  return unary('relu', 'relu', x, (g, a) => mul(g, constant('reluMask', a)), relu);
}

// d erf(x) = g·(2/√π)·exp(−x²)
export function erf(x: Tensor): Tensor {
  return unary('erf', 'erf', x, (g, a) => mul(g, mul(exp(mul(mul(a, a), -1)), 2 / Math.sqrt(Math.PI))), erf);
}

/** x² (a composite: x·x). */
export function square(x: Tensor): Tensor {
  return mul(x, x);
}

/**
 * Clamps into [min, max] (either may be omitted). The gradient passes where min ≤ x ≤ max, as in PyTorch.
 */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  requireFloat('clamp', x);
  if (min === undefined && max === undefined) throw new Error(`clamp: give at least one of min and max (input ${`[${x.shape.join(',')}]`})`);
  if (min !== undefined && max !== undefined && min > max) throw new Error(`clamp: min ${min} is greater than max ${max}`);
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  const out = empty(x.dtype, x.shape);
  const xd = x.data;
  const od = out.data;
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i]!;
    od[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return record(
    out,
    'clamp',
    [x],
    (grad) => {
      const keep = cast(mul(ge(x, lo), le(x, hi)), grad.dtype);
      return [mul(grad, keep)];
    },
    ([a]) => clamp(a!, min, max),
  );
}

export type GeluApproximate = 'none' | 'tanh';

/** The k-th derivative of GELU as a primitive (k = 0 is GELU itself): fused, evaluated in float64 locals. */
function geluPrimitive(x: Tensor, k: 0 | 1, approximate: GeluApproximate): Tensor {
  requireFloat('gelu', x);
  const out = empty(x.dtype, x.shape);
  geluKernel(x.data, out.data, k, approximate === 'tanh');
  // d gelu⁽ᵏ⁾(x) = g · gelu⁽ᵏ⁺¹⁾(x); the next level is itself a primitive, so gradients nest.
  return record(
    out,
    k === 0 ? 'gelu' : 'geluGrad',
    [x],
    (grad) => [
      k === 0 && fusedBackward(grad, x, approximate)
        ? geluBackwardFused(grad, x)
        : mul(grad, k === 0 ? geluPrimitive(x, 1, approximate) : geluSecond(x, approximate)),
    ],
    ([a]) => geluPrimitive(a!, k, approximate),
  );
}

/** Whether GELU's VJP may run as one fused float32 pass: nothing records it (no createGraph) and no promotion. */
function fusedBackward(grad: Tensor, x: Tensor, approximate: GeluApproximate): boolean {
  return !isGradEnabled() && approximate === 'none' && x.dtype === 'float32' && grad.dtype === 'float32' && sameShape(grad.shape, x.shape);
}

/** grad·gelu′(x) in one pass, bitwise equal to mul(grad, gelu′(x)) (see geluBackwardF32); not recorded. */
function geluBackwardFused(grad: Tensor, x: Tensor): Tensor {
  const out = empty('float32', x.shape);
  geluBackwardF32(grad.data as Float32Array, x.data as Float32Array, out.data as Float32Array);
  return out;
}

/** gelu″ as a differentiable composite (third and higher derivatives go through ordinary ops). */
function geluSecond(x: Tensor, approximate: GeluApproximate): Tensor {
  if (approximate === 'tanh') {
    const k = Math.sqrt(2 / Math.PI);
    const c = 0.044715;
    const x2 = mul(x, x);
    const t = tanh(mul(add(x, mul(mul(x2, x), c)), k));
    const du = mul(add(mul(x2, 3 * c), 1), k);
    const sech2 = sub(1, mul(t, t));
    const inner = add(sub(du, mul(mul(x, t), mul(du, du))), mul(x2, 3 * k * c));
    return mul(sech2, inner);
  }
  const pdf = mul(exp(mul(mul(x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
  return mul(pdf, sub(2, mul(x, x)));
}

/**
 * GELU, `x·Φ(x)`: the exact erf form (PyTorch's default) or the tanh approximation. A fused primitive whose
 * VJP is another primitive (gelu′), so second derivatives work.
 */
export function gelu(x: Tensor, options: { approximate?: GeluApproximate } = {}): Tensor {
  return geluPrimitive(x, 0, options.approximate ?? 'none');
}
