// Broadcasting binary arithmetic: add, sub, mul, div, pow, maximum, minimum — forward and VJP side by side.
import { record } from '../autograd/engine';
import { binaryKernel } from '../kernels/elementwise';
import type { BinaryOp } from '../kernels/elementwise';
import { broadcastShapes } from '../shape';
import type { Tensor } from '../tensor';
import { cast } from './cast';
import { sumTo } from './reduce';
import { asTensor, commonDtype, empty } from './util';
import type { TensorLike } from './util';
import { eq, gt, lt } from './compare';
import { log } from './unary';

type Vjp = (grad: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null];

function operands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  const dtype = commonDtype(op, a, b);
  const A = asTensor(op, a, dtype);
  const B = asTensor(op, b, dtype);
  return [cast(A, dtype), cast(B, dtype)];
}

function binary(op: BinaryOp, a: TensorLike, b: TensorLike, vjp: Vjp, self: (a: Tensor, b: Tensor) => Tensor): Tensor {
  const [A, B] = operands(op, a, b);
  const shape = broadcastShapes(op, A.shape, B.shape);
  const out = empty(A.dtype, shape);
  binaryKernel(op, A.data, A.shape, B.data, B.shape, out.data, shape);
  return record(
    out,
    op,
    [A, B],
    (grad) => {
      const [ga, gb] = vjp(grad, A, B, out);
      // Reduce over broadcast axes so each gradient has its input's exact shape.
      return [ga && A.requiresGrad ? sumTo(ga, A.shape) : null, gb && B.requiresGrad ? sumTo(gb, B.shape) : null];
    },
    ([x, y]) => self(x!, y!),
  );
}

// d(a+b) = (g, g)
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binary('add', a, b, (g) => [g, g], add);
}

// d(a−b) = (g, −g)
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binary('sub', a, b, (g, _a, B) => [g, B.requiresGrad ? neg(g) : null], sub);
}

// d(a·b) = (g·b, g·a)
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binary('mul', a, b, (g, A, B) => [A.requiresGrad ? mul(g, B) : null, B.requiresGrad ? mul(g, A) : null], mul);
}

// d(a/b) = (g/b, −g·a/b²)
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binary(
    'div',
    a,
    b,
    (g, A, B) => [A.requiresGrad ? div(g, B) : null, B.requiresGrad ? neg(div(mul(g, A), mul(B, B))) : null],
    div,
  );
}

// d(aᵇ) = (g·b·aᵇ⁻¹, g·aᵇ·ln a)
export function pow(a: TensorLike, b: TensorLike): Tensor {
  return binary(
    'pow',
    a,
    b,
    (g, A, B) => [
      A.requiresGrad ? mul(g, mul(B, pow(A, sub(B, 1)))) : null,
      B.requiresGrad ? mul(g, mul(pow(A, B), log(A))) : null,
    ],
    pow,
  );
}

// The larger input gets the gradient; ties split it evenly (PyTorch's rule).
function pick(first: (x: Tensor, y: Tensor) => Tensor): Vjp {
  return (g, A, B) => {
    const share = add(cast(first(A, B), g.dtype), mul(cast(eq(A, B), g.dtype), 0.5));
    return [A.requiresGrad ? mul(g, share) : null, B.requiresGrad ? mul(g, sub(1, share)) : null];
  };
}

export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binary('maximum', a, b, pick(gt), maximum);
}

export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return binary('minimum', a, b, pick(lt), minimum);
}

// d(−x) = −g
export function neg(x: Tensor): Tensor {
  return mul(x, -1);
}
