// Small helpers shared by ops: scalar operands, output allocation.
import { allocate, promote } from '../dtype';
import type { DType } from '../dtype';
import { numel } from '../shape';
import type { Shape } from '../shape';
import { Tensor } from '../tensor';

export type TensorLike = Tensor | number;

/** A fresh (zero-filled) tensor of `shape`. */
export function empty(dtype: DType, shape: Shape): Tensor {
  return new Tensor(allocate(dtype, numel(shape)), shape);
}

/** A 0-d tensor holding `v` in `dtype` (plain numbers take the other operand's dtype, as in PyTorch). */
export function scalar(v: number, dtype: DType): Tensor {
  const t = empty(dtype, []);
  t.data[0] = v;
  return t;
}

export function asTensor(op: string, x: TensorLike, like: DType): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') throw new Error(`${op}: expected a Tensor or a number, got ${typeof x}`);
  return scalar(x, like);
}

/**
 * The dtype two operands meet in: a plain number takes the tensor's dtype (PyTorch's rule for Python scalars),
 * two tensors promote (float64 > float32 > int32). At least one must be a tensor.
 */
export function commonDtype(op: string, a: TensorLike, b: TensorLike): DType {
  if (a instanceof Tensor) return b instanceof Tensor ? promote(a.dtype, b.dtype) : a.dtype;
  if (b instanceof Tensor) return b.dtype;
  throw new Error(`${op}: at least one operand must be a Tensor`);
}

export function requireFloat(op: string, x: Tensor, arg = 'input'): void {
  if (x.dtype === 'int32') throw new Error(`${op}: ${arg} must be a float tensor, got int32 ${`[${x.shape.join(',')}]`}`);
}
