// Shape primitives: reshape (shares storage), permute/transpose, expand, squeeze/unsqueeze, flatten.
import { record } from '../autograd/engine';
import { stridedCopy } from '../kernels/elementwise';
import { broadcastShapes, broadcastStrides, fmt, normAxis, numel, sameShape, stridesOf } from '../shape';
import { Tensor } from '../tensor';
import { sumTo } from './reduce';
import { empty } from './util';

// d reshape(x) = reshape(g, x.shape). The result shares x's storage, as a PyTorch view does.
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const infer = shape.indexOf(-1);
  let target = [...shape];
  if (infer >= 0) {
    if (shape.indexOf(-1, infer + 1) >= 0) throw new Error(`reshape: only one dimension can be -1 (got ${fmt(shape)})`);
    const rest = numel(shape.filter((_, i) => i !== infer));
    if (rest === 0 || x.size % rest !== 0) throw new Error(`reshape: cannot infer -1 in ${fmt(shape)} for input of size ${x.size} ${fmt(x.shape)}`);
    target = shape.map((d, i) => (i === infer ? x.size / rest : d));
  }
  if (target.some((d) => !Number.isInteger(d) || d < 0) || numel(target) !== x.size) {
    throw new Error(`reshape: cannot reshape ${fmt(x.shape)} (size ${x.size}) into ${fmt(shape)}`);
  }
  if (sameShape(target, x.shape)) return x;
  const out = new Tensor(x.data, target);
  return record(out, 'reshape', [x], (grad) => [reshape(grad, x.shape)], ([a]) => reshape(a!, shape));
}

/** Flattens axes startDim..endDim into one (PyTorch's `flatten`). */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normAxis('flatten', startDim, x.ndim, x.shape);
  const e = normAxis('flatten', endDim, x.ndim, x.shape);
  if (s > e) throw new Error(`flatten: startDim ${startDim} comes after endDim ${endDim} for ${fmt(x.shape)}`);
  return reshape(x, [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

// d permute(x, p) = permute(g, p⁻¹)
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const nd = x.ndim;
  const p = dims.map((d) => normAxis('permute', d, nd, x.shape));
  if (p.length !== nd || new Set(p).size !== nd) {
    throw new Error(`permute: dims [${dims.join(',')}] are not a permutation of the ${nd} axes of ${fmt(x.shape)}`);
  }
  if (p.every((d, i) => d === i)) return x;
  const shape = p.map((d) => x.shape[d]!);
  const xs = stridesOf(x.shape);
  const out = empty(x.dtype, shape);
  stridedCopy(x.data, 0, p.map((d) => xs[d]!), out.data, shape);
  const inv = new Array<number>(nd);
  p.forEach((d, i) => (inv[d] = i));
  return record(out, 'permute', [x], (grad) => [permute(grad, inv)], ([a]) => permute(a!, dims));
}

/** Swaps two axes (a permute). */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normAxis('transpose', dim0, x.ndim, x.shape);
  const b = normAxis('transpose', dim1, x.ndim, x.shape);
  const p = Array.from({ length: x.ndim }, (_, i) => i);
  p[a] = b;
  p[b] = a;
  return permute(x, p);
}

// d expand(x) = sumTo(g, x.shape). Broadcasts x to `shape` (new leading axes allowed); -1 keeps a dim.
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const lead = shape.length - x.ndim;
  if (lead < 0) throw new Error(`expand: cannot expand ${fmt(x.shape)} to fewer dims ${fmt(shape)}`);
  const target = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead]! : d));
  const full = broadcastShapes('expand', x.shape, target);
  if (!sameShape(full, target)) throw new Error(`expand: cannot expand ${fmt(x.shape)} to ${fmt(shape)}`);
  if (sameShape(target, x.shape)) return x;
  const out = empty(x.dtype, target);
  stridedCopy(x.data, 0, broadcastStrides(x.shape, target), out.data, target);
  return record(out, 'expand', [x], (grad) => [sumTo(grad, x.shape)], ([a]) => expand(a!, shape));
}

/** Removes size-1 axes (all of them, or the given one). */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const a = normAxis('squeeze', dim, x.ndim, x.shape);
  if (x.shape[a] !== 1) return x;
  return reshape(x, x.shape.filter((_, i) => i !== a));
}

/** Inserts a size-1 axis at `dim` (which may equal ndim, or be negative as in PyTorch). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const a = normAxis('unsqueeze', dim, x.ndim + 1, x.shape);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}
