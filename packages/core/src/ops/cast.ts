import { allocate } from '../dtype';
import type { DType } from '../dtype';
import { record } from '../autograd/engine';
import { Tensor } from '../tensor';

/** Converts to another dtype (float→int32 truncates toward zero). */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const data = allocate(dtype, x.size);
  if (dtype === 'int32') for (let i = 0; i < x.size; i++) data[i] = Math.trunc(x.data[i]!);
  else data.set(x.data);
  const out = new Tensor(data, x.shape);
  if (dtype === 'int32') return out;
  // d cast(x) = cast back: the gradient keeps the input's dtype.
  return record(out, 'cast', [x], (grad) => [cast(grad, x.dtype)], ([a]) => cast(a!, dtype));
}
