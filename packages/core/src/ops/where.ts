// Selection by a mask: where(cond, a, b) and maskedFill.
import { record } from '../autograd/engine';
import { maskedFillKernel, stridedCopy } from '../kernels/elementwise';
import { broadcastShapes, broadcastStrides, fmt, sameShape } from '../shape';
import type { Shape } from '../shape';
import type { Tensor } from '../tensor';
import { cast } from './cast';
import { sumTo } from './reduce';
import { asTensor, commonDtype, empty } from './util';
import type { TensorLike } from './util';

function broadcastData(t: Tensor, shape: Shape): Tensor['data'] {
  if (sameShape(t.shape, shape)) return t.data;
  const out = empty(t.dtype, shape);
  stridedCopy(t.data, 0, broadcastStrides(t.shape, shape), out.data, shape);
  return out.data;
}

// d where(c, a, b) = (where(c, g, 0), where(c, 0, g)), each reduced to its input's shape.
/** Elementwise `cond ? a : b` (cond: any dtype, non-zero = true) with broadcasting. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const dtype = commonDtype('where', a, b);
  const A = cast(asTensor('where', a, dtype), dtype);
  const B = cast(asTensor('where', b, dtype), dtype);
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, A.shape), B.shape);
  const c = broadcastData(cond, shape);
  const ad = broadcastData(A, shape);
  const bd = broadcastData(B, shape);
  const out = empty(dtype, shape);
  const od = out.data;
  for (let i = 0; i < od.length; i++) od[i] = c[i] ? ad[i]! : bd[i]!;
  return record(
    out,
    'where',
    [A, B],
    (grad) => [
      A.requiresGrad ? sumTo(where(cond, grad, 0), A.shape) : null,
      B.requiresGrad ? sumTo(where(cond, 0, grad), B.shape) : null,
    ],
    ([x, y]) => where(cond, x!, y!),
  );
}

// d maskedFill(x) = maskedFill(g, mask, 0)
/** `x` with `value` wherever `mask` is non-zero (mask broadcast to x's shape, never copied). */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  const shape = broadcastShapes('maskedFill', x.shape, mask.shape);
  if (!sameShape(shape, x.shape)) throw new Error(`maskedFill: mask ${fmt(mask.shape)} does not broadcast to the input ${fmt(x.shape)}`);
  const out = empty(x.dtype, x.shape);
  maskedFillKernel(x.data, x.shape, mask.data, mask.shape, value, out.data);
  return record(out, 'maskedFill', [x], (grad) => [maskedFill(grad, mask, 0)], ([t]) => maskedFill(t!, mask, value));
}
