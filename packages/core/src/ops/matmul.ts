// Matrix products: the primitive `mm` (batched, either operand read transposed, batch dims broadcast) and
// the public `matmul` / `linear` built on it. Backward passes use the transposed layouts, never a transpose copy.
import { record } from '../autograd/engine';
import { promote } from '../dtype';
import { gemmBatched } from '../kernels/matmul';
import type { FloatArray } from '../kernels/matmul';
import { stridedCopy } from '../kernels/elementwise';
import { broadcastShapes, broadcastStrides, fmt, numel, sameShape } from '../shape';
import type { Tensor } from '../tensor';
import { add } from './arith';
import { cast } from './cast';
import { sumTo } from './reduce';
import { reshape, squeeze, unsqueeze } from './shape';
import { empty, requireFloat } from './util';

function batchData(t: Tensor, batch: readonly number[]): { data: FloatArray; stride: number } {
  const mat = t.shape.slice(-2);
  const own = t.shape.slice(0, -2);
  const size = numel(mat);
  if (numel(own) === 1) return { data: t.data as FloatArray, stride: 0 };
  if (sameShape(own, batch)) return { data: t.data as FloatArray, stride: size };
  // Broadcast batch dims other than "all or nothing": materialise (rare; attention and linear never need it).
  const shape = [...batch, ...mat];
  const out = empty(t.dtype, shape);
  stridedCopy(t.data, 0, broadcastStrides(t.shape, shape), out.data, shape);
  return { data: out.data as FloatArray, stride: size };
}

/**
 * op(a) · op(b) over the last two axes, where op transposes when asked: a is [..., m, k] (or [..., k, m] with
 * transA), b is [..., k, n] (or [..., n, k] with transB); leading batch axes broadcast.
 */
export function mm(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  requireFloat('matmul', a, 'a');
  requireFloat('matmul', b, 'b');
  if (a.ndim < 2 || b.ndim < 2) throw new Error(`matmul: mm needs 2-d or batched operands, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  if (a.dtype !== b.dtype) {
    const dt = promote(a.dtype, b.dtype);
    return mm(cast(a, dt), cast(b, dt), transA, transB);
  }
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const [m, k] = transA ? [ac, ar] : [ar, ac];
  const [k2, n] = transB ? [bc, br] : [br, bc];
  if (k !== k2) {
    const t = (s: boolean): string => (s ? 'ᵀ' : '');
    throw new Error(`matmul: cannot multiply ${fmt(a.shape)}${t(transA)} by ${fmt(b.shape)}${t(transB)} (inner dims ${k} ≠ ${k2})`);
  }
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = empty(a.dtype, [...batch, m, n]);
  const A = batchData(a, batch);
  const B = batchData(b, batch);
  gemmBatched(A.data, A.stride, B.data, B.stride, out.data as FloatArray, m * n, numel(batch), m, k, n, transA, transB, false);
  return record(
    out,
    'matmul',
    [a, b],
    (grad) => {
      // C = op(A)·op(B): the four layouts' VJPs, each again a product in some layout (no transposes copied).
      let ga: Tensor | null = null;
      let gb: Tensor | null = null;
      if (a.requiresGrad) ga = transA ? mm(b, grad, transB, true) : mm(grad, b, false, !transB);
      if (b.requiresGrad) gb = transB ? mm(grad, a, true, transA) : mm(a, grad, !transA, false);
      return [ga && sumTo(ga, a.shape), gb && sumTo(gb, b.shape)];
    },
    ([x, y]) => mm(x!, y!, transA, transB),
  );
}

/**
 * Matrix product with PyTorch's `matmul` rules: 1-d operands are promoted (and the added axis removed), batch
 * axes broadcast. A batched `a` times a 2-d `b` folds the batch into rows: one large product.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) throw new Error(`matmul: both arguments need at least 1 dim, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  if (a.ndim === 1 && b.ndim === 1) {
    if (a.shape[0] !== b.shape[0]) throw new Error(`matmul: cannot multiply ${fmt(a.shape)} by ${fmt(b.shape)} (inner dims ${a.shape[0]} ≠ ${b.shape[0]})`);
    return reshape(mm(unsqueeze(a, 0), unsqueeze(b, 1)), []);
  }
  if (a.ndim === 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.ndim === 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  if (b.ndim === 2 && a.ndim > 2) {
    const k = a.shape[a.ndim - 1]!;
    if (k !== b.shape[0]) throw new Error(`matmul: cannot multiply ${fmt(a.shape)} by ${fmt(b.shape)} (inner dims ${k} ≠ ${b.shape[0]})`);
    return reshape(mm(reshape(a, [-1, k]), b), [...a.shape.slice(0, -1), b.shape[1]!]);
  }
  return mm(a, b);
}

/** `x · weightᵀ + bias` with PyTorch's weight layout [out, in] (weight is read transposed, never copied). */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.ndim !== 2) throw new Error(`linear: weight must be 2-d [out, in], got ${fmt(weight.shape)}`);
  const inF = weight.shape[1]!;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF) {
    throw new Error(`linear: input ${fmt(x.shape)} does not end in in_features ${inF} of weight ${fmt(weight.shape)}`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new Error(`linear: bias ${fmt(bias.shape)} must be [${weight.shape[0]}] for weight ${fmt(weight.shape)}`);
  }
  const rows = x.ndim === 1 ? unsqueeze(x, 0) : reshape(x, [-1, inF]);
  const y = bias ? addmm(bias, rows, weight) : mm(rows, weight, false, true);
  return reshape(y, [...x.shape.slice(0, -1), weight.shape[0]!]);
}

// d(b + X·Wᵀ) = (Σ_rows G, G·W, Gᵀ·X)
/** bias + rows·weightᵀ in one product: out starts as the broadcast bias and the product accumulates into it. */
function addmm(bias: Tensor, rows: Tensor, weight: Tensor): Tensor {
  if (rows.dtype !== weight.dtype || bias.dtype !== weight.dtype) {
    return add(mm(rows, weight, false, true), bias);
  }
  requireFloat('linear', rows, 'input');
  const [m, k] = rows.shape as [number, number];
  const n = weight.shape[0]!;
  const out = empty(rows.dtype, [m, n]);
  const od = out.data as FloatArray;
  for (let r = 0; r < m; r++) od.set(bias.data as FloatArray, r * n);
  gemmBatched(rows.data as FloatArray, 0, weight.data as FloatArray, 0, od, 0, 1, m, k, n, false, true, true);
  return record(
    out,
    'linear',
    [bias, rows, weight],
    (grad) => [
      bias.requiresGrad ? sumTo(grad, bias.shape) : null,
      rows.requiresGrad ? mm(grad, weight, false, false) : null,
      weight.requiresGrad ? mm(grad, rows, true, false) : null,
    ],
    ([b, x, w]) => addmm(b!, x!, w!),
  );
}
