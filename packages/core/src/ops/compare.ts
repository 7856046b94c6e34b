// Comparisons (no gradient): int32 masks of 0/1 with NumPy broadcasting.
import { binaryKernel } from '../kernels/elementwise';
import type { BinaryOp } from '../kernels/elementwise';
import { broadcastShapes } from '../shape';
import type { Tensor } from '../tensor';
import { asTensor, commonDtype, empty } from './util';
import type { TensorLike } from './util';

function compare(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  // A plain number takes the tensor's dtype (so comparing float32 data with 0.1 compares with 0.1 in float32);
  // two tensors are compared as they are.
  const dtype = commonDtype(op, a, b);
  const A = asTensor(op, a, dtype);
  const B = asTensor(op, b, dtype);
  const shape = broadcastShapes(op, A.shape, B.shape);
  const out = empty('int32', shape);
  binaryKernel(op, A.data, A.shape, B.data, B.shape, out.data, shape);
  return out;
}

export const eq = (a: TensorLike, b: TensorLike): Tensor => compare('eq', a, b);
export const ne = (a: TensorLike, b: TensorLike): Tensor => compare('ne', a, b);
export const lt = (a: TensorLike, b: TensorLike): Tensor => compare('lt', a, b);
export const le = (a: TensorLike, b: TensorLike): Tensor => compare('le', a, b);
export const gt = (a: TensorLike, b: TensorLike): Tensor => compare('gt', a, b);
export const ge = (a: TensorLike, b: TensorLike): Tensor => compare('ge', a, b);
