// Slicing and joining along one axis: slice, concat, stack, split.
import { record } from '../autograd/engine';
import { aroundAxis, copyAlongAxis } from '../kernels/copy';
import { fmt, normAxis } from '../shape';
import type { Shape } from '../shape';
import type { Tensor } from '../tensor';
import { unsqueeze } from './shape';
import { empty } from './util';

function clampIndex(i: number, n: number): number {
  const j = i < 0 ? i + n : i;
  return Math.min(Math.max(j, 0), n);
}

// d slice(x) = g placed back into zeros of x's shape (the op `sliceBackward`).
/** `x[..., start:end, ...]` along `dim` (Python semantics: negative indices count from the end, bounds clamp). */
export function slice(x: Tensor, dim: number, start = 0, end?: number): Tensor {
  const a = normAxis('slice', dim, x.ndim, x.shape);
  const n = x.shape[a]!;
  const s = clampIndex(start, n);
  const e = Math.max(s, clampIndex(end ?? n, n));
  if (s === 0 && e === n) return x;
  const shape = [...x.shape];
  shape[a] = e - s;
  const out = empty(x.dtype, shape);
  const { outer, inner } = aroundAxis(x.shape, a);
  copyAlongAxis(x.data, n, s, out.data, e - s, 0, outer, e - s, inner, false);
  return record(out, 'slice', [x], (grad) => [sliceBackward(grad, x.shape, a, s)], ([t]) => slice(t!, dim, start, end));
}

// d sliceBackward(g) = slice of the incoming gradient: the two are each other's VJP.
/** Zeros of `shape` with `g` written at `start` along `dim` (the VJP of slice). */
export function sliceBackward(g: Tensor, shape: Shape, dim: number, start: number): Tensor {
  const a = normAxis('sliceBackward', dim, shape.length, shape);
  const len = g.shape[a]!;
  if (g.ndim !== shape.length || start < 0 || start + len > shape[a]!) {
    throw new Error(`sliceBackward: ${fmt(g.shape)} does not fit in ${fmt(shape)} at ${start} along dim ${dim}`);
  }
  const out = empty(g.dtype, shape);
  const { outer, inner } = aroundAxis(shape, a);
  copyAlongAxis(g.data, len, 0, out.data, shape[a]!, start, outer, len, inner, false);
  return record(out, 'sliceBackward', [g], (grad) => [slice(grad, a, start, start + len)], ([t]) => sliceBackward(t!, shape, dim, start));
}

// d concat = the matching slice of g for each input.
/** Joins tensors along an existing axis; all other dims and the dtype must match. */
export function concat(tensors: readonly Tensor[], dim = 0): Tensor {
  const first = tensors[0];
  if (!first) throw new Error('concat: needs at least one tensor');
  const a = normAxis('concat', dim, first.ndim, first.shape);
  let total = 0;
  for (const [i, t] of tensors.entries()) {
    const ok = t.ndim === first.ndim && t.shape.every((d, j) => j === a || d === first.shape[j]);
    if (!ok) throw new Error(`concat: tensor ${i} has shape ${fmt(t.shape)}, incompatible with ${fmt(first.shape)} along dim ${dim}`);
    if (t.dtype !== first.dtype) throw new Error(`concat: tensor ${i} is ${t.dtype} but tensor 0 is ${first.dtype}`);
    total += t.shape[a]!;
  }
  const shape = [...first.shape];
  shape[a] = total;
  const out = empty(first.dtype, shape);
  const { outer, inner } = aroundAxis(shape, a);
  const starts: number[] = [];
  let at = 0;
  for (const t of tensors) {
    starts.push(at);
    copyAlongAxis(t.data, t.shape[a]!, 0, out.data, total, at, outer, t.shape[a]!, inner, false);
    at += t.shape[a]!;
  }
  return record(
    out,
    'concat',
    tensors,
    (grad) => tensors.map((t, i) => (t.requiresGrad ? slice(grad, a, starts[i]!, starts[i]! + t.shape[a]!) : null)),
    (ts) => concat(ts, dim),
  );
}

/** Joins tensors of one shape along a new axis (composite: unsqueeze + concat). */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  const first = tensors[0];
  if (!first) throw new Error('stack: needs at least one tensor');
  for (const [i, t] of tensors.entries()) {
    if (t.ndim !== first.ndim || t.shape.some((d, j) => d !== first.shape[j])) {
      throw new Error(`stack: tensor ${i} has shape ${fmt(t.shape)} but tensor 0 has ${fmt(first.shape)}`);
    }
  }
  const a = normAxis('stack', dim, first.ndim + 1, first.shape);
  return concat(tensors.map((t) => unsqueeze(t, a)), a);
}

/**
 * Splits along `dim` into chunks of `splitSize` (the last may be smaller) or into the given sizes (PyTorch's
 * `split`). Composite: slices.
 */
export function split(x: Tensor, splitSize: number | readonly number[], dim = 0): Tensor[] {
  const a = normAxis('split', dim, x.ndim, x.shape);
  const n = x.shape[a]!;
  let sizes: number[];
  if (typeof splitSize === 'number') {
    if (!Number.isInteger(splitSize) || splitSize <= 0) throw new Error(`split: splitSize must be a positive integer, got ${splitSize}`);
    sizes = [];
    for (let s = 0; s < n; s += splitSize) sizes.push(Math.min(splitSize, n - s));
  } else {
    sizes = [...splitSize];
    const total = sizes.reduce((p, s) => p + s, 0);
    if (total !== n || sizes.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new Error(`split: sizes [${sizes.join(',')}] do not add up to ${n} (dim ${dim} of ${fmt(x.shape)})`);
    }
  }
  const out: Tensor[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(slice(x, a, at, at + s));
    at += s;
  }
  return out;
}
