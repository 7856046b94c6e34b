// Index-driven ops: indexSelect/indexAdd (embeddings) and gather/scatterAdd, each pair the other's VJP.
import { record } from '../autograd/engine';
import { aroundAxis, copyAlongAxis } from '../kernels/copy';
import { fmt, normAxis } from '../shape';
import { gatherKernel, gatherOffsets, scatterAddKernel } from '../kernels/gather';
import type { Tensor } from '../tensor';
import { empty } from './util';

function checkIndex(op: string, index: Tensor, limit: number, dim: number, xShape: readonly number[]): void {
  if (index.dtype !== 'int32') throw new Error(`${op}: index must be an int32 tensor, got ${index.dtype} ${fmt(index.shape)}`);
  const d = index.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v < 0 || v >= limit) throw new Error(`${op}: index ${v} at position ${i} is out of range for dim ${dim} of size ${limit} (input ${fmt(xShape)})`);
  }
}

// d indexSelect(x) = indexAdd(zeros(x), dim, index, g)
/** Picks the slabs `index` (1-D int32) of `x` along `dim` (PyTorch's `index_select`; an embedding lookup on dim 0). */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const a = normAxis('indexSelect', dim, x.ndim, x.shape);
  if (index.ndim !== 1) throw new Error(`indexSelect: index must be 1-D, got ${fmt(index.shape)}`);
  checkIndex('indexSelect', index, x.shape[a]!, a, x.shape);
  const shape = [...x.shape];
  shape[a] = index.size;
  const out = empty(x.dtype, shape);
  const { outer, size, inner } = aroundAxis(x.shape, a);
  const idx = index.data;
  for (let j = 0; j < idx.length; j++) {
    for (let o = 0; o < outer; o++) {
      copyAlongAxis(x.data, size, o * size + idx[j]!, out.data, idx.length, o * idx.length + j, 1, 1, inner, false);
    }
  }
  return record(
    out,
    'indexSelect',
    [x],
    (grad) => [indexAdd(empty(grad.dtype, x.shape), a, index, grad)],
    ([t]) => indexSelect(t!, dim, index),
  );
}

// d indexAdd = (g, indexSelect(g, dim, index))
/** `base` with the slabs of `src` added at positions `index` along `dim` (repeats accumulate). */
export function indexAdd(base: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const a = normAxis('indexAdd', dim, base.ndim, base.shape);
  if (index.ndim !== 1) throw new Error(`indexAdd: index must be 1-D, got ${fmt(index.shape)}`);
  const expected = [...base.shape];
  expected[a] = index.size;
  if (src.ndim !== base.ndim || src.shape.some((d, i) => d !== expected[i])) {
    throw new Error(`indexAdd: source ${fmt(src.shape)} must have shape ${fmt(expected)} for base ${fmt(base.shape)} and ${index.size} indices`);
  }
  if (src.dtype !== base.dtype) throw new Error(`indexAdd: source is ${src.dtype} but base is ${base.dtype}`);
  checkIndex('indexAdd', index, base.shape[a]!, a, base.shape);
  const out = empty(base.dtype, base.shape);
  out.data.set(base.data);
  const { outer, size, inner } = aroundAxis(base.shape, a);
  const idx = index.data;
  for (let j = 0; j < idx.length; j++) {
    for (let o = 0; o < outer; o++) {
      copyAlongAxis(src.data, idx.length, o * idx.length + j, out.data, size, o * size + idx[j]!, 1, 1, inner, true);
    }
  }
  return record(
    out,
    'indexAdd',
    [base, src],
    (grad) => [grad, src.requiresGrad ? indexSelect(grad, a, index) : null],
    ([b, s]) => indexAdd(b!, dim, index, s!),
  );
}

/** Validates `index` for gather/scatterAdd and returns the input offset each index position names. */
function offsetsFor(op: string, xShape: readonly number[], a: number, index: Tensor): Int32Array {
  if (index.ndim !== xShape.length) throw new Error(`${op}: index ${fmt(index.shape)} must have as many dims as the input ${fmt(xShape)}`);
  for (let d = 0; d < xShape.length; d++) {
    if (d !== a && index.shape[d]! > xShape[d]!) throw new Error(`${op}: index ${fmt(index.shape)} is larger than the input ${fmt(xShape)} in dim ${d}`);
  }
  checkIndex(op, index, xShape[a]!, a, xShape);
  const offsets = new Int32Array(index.size);
  gatherOffsets(xShape, a, index.data as Int32Array, index.shape, offsets);
  return offsets;
}

// d gather(x) = scatterAdd(zeros(x), dim, index, g)
/** `out[i][j] = x[i][index[i][j]]` for dim 1, and likewise for any dim (PyTorch's `gather`). */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const a = normAxis('gather', dim, x.ndim, x.shape);
  const out = empty(x.dtype, index.shape);
  gatherKernel(x.data, offsetsFor('gather', x.shape, a, index), out.data);
  return record(
    out,
    'gather',
    [x],
    (grad) => [scatterAdd(empty(grad.dtype, x.shape), a, index, grad)],
    ([t]) => gather(t!, dim, index),
  );
}

// d scatterAdd = (g, gather(g, dim, index))
/** `base` plus `src` added at the positions `index` names along `dim` (PyTorch's `scatter_add`). */
export function scatterAdd(base: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const a = normAxis('scatterAdd', dim, base.ndim, base.shape);
  if (src.ndim !== index.ndim || src.shape.some((d, i) => d !== index.shape[i])) {
    throw new Error(`scatterAdd: source ${fmt(src.shape)} must have the index's shape ${fmt(index.shape)}`);
  }
  if (src.dtype !== base.dtype) throw new Error(`scatterAdd: source is ${src.dtype} but base is ${base.dtype}`);
  const out = empty(base.dtype, base.shape);
  out.data.set(base.data);
  scatterAddKernel(src.data, offsetsFor('scatterAdd', base.shape, a, index), out.data);
  return record(
    out,
    'scatterAdd',
    [base, src],
    (grad) => [grad, src.requiresGrad ? gather(grad, a, index) : null],
    ([b, s]) => scatterAdd(b!, dim, index, s!),
  );
}
