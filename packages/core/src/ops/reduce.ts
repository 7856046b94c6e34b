// Reductions: sum, mean, max (values), var, std over any axes with keepdim; sumTo (the unbroadcast primitive).
import { record } from '../autograd/engine';
import { reduceKernel, argmaxKernel } from '../kernels/reduce';
import { fmt, normAxes, normAxis, numel, sameShape } from '../shape';
import type { Shape } from '../shape';
import { Tensor } from '../tensor';
import { div, mul, sub } from './arith';
import { cast } from './cast';
import { eq } from './compare';
import { expand, reshape } from './shape';
import { sqrt } from './unary';
import { empty, requireFloat } from './util';

export type Axes = number | readonly number[] | undefined;

export interface ReduceOptions {
  keepdim?: boolean;
}

function keptShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function finalShape(shape: Shape, axes: readonly number[], keepdim: boolean): number[] {
  return keepdim ? keptShape(shape, axes) : shape.filter((_, i) => !axes.includes(i));
}

function reduceRaw(op: 'sum' | 'max', x: Tensor, axes: readonly number[]): Tensor {
  const kept = keptShape(x.shape, axes);
  const out = empty(x.dtype, kept);
  reduceKernel(op, x.data, x.shape, x.shape.map((_, i) => axes.includes(i)), out.data);
  return out;
}

// d Σx = g broadcast back over the reduced axes.
export function sum(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  requireFloat('sum', x);
  const ax = normAxes('sum', axes, x.shape);
  const keepdim = options.keepdim ?? false;
  const shaped = reshapeData(reduceRaw('sum', x, ax), finalShape(x.shape, ax, keepdim));
  return record(
    shaped,
    'sum',
    [x],
    (grad) => [expand(reshape(grad, keptShape(x.shape, ax)), x.shape)],
    ([a]) => sum(a!, axes, options),
  );
}

/** Mean over the axes (a composite: sum · 1/n). */
export function mean(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  requireFloat('mean', x);
  const ax = normAxes('mean', axes, x.shape);
  const n = ax.reduce((p, a) => p * x.shape[a]!, 1);
  if (n === 0) throw new Error(`mean: cannot average over zero elements (shape ${fmt(x.shape)}, axes [${ax.join(',')}])`);
  return mul(sum(x, ax, options), 1 / n);
}

// d max(x) = g shared evenly among the positions equal to the maximum (PyTorch's amax rule).
export function max(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  requireFloat('max', x);
  const ax = normAxes('max', axes, x.shape);
  if (ax.some((a) => x.shape[a] === 0)) throw new Error(`max: cannot reduce over an empty axis (shape ${fmt(x.shape)})`);
  const keepdim = options.keepdim ?? false;
  const kept = keptShape(x.shape, ax);
  const raw = reduceRaw('max', x, ax);
  const out = reshapeData(raw, finalShape(x.shape, ax, keepdim));
  return record(
    out,
    'max',
    [x],
    (grad) => {
      const mask = cast(eq(x, reshapeData(raw, kept)), grad.dtype);
      const count = reduceRaw('sum', mask, ax);
      return [mul(expand(reshape(grad, kept), x.shape), div(mask, count))];
    },
    ([a]) => max(a!, axes, options),
  );
}

export interface VarOptions extends ReduceOptions {
  /** 1 (default, as in PyTorch): the unbiased estimator n−1; 0: the biased (population) variance. */
  correction?: number;
}

/**
 * x − mean(x) over the axes, by the corrected two-pass method: the mean of the first difference (0 in exact
 * arithmetic) is subtracted again, removing the rounding of a float32 mean — with rows like 1e4 + 1e-2·noise
 * that rounding (up to ulp(1e4)/2 ≈ 5e-4) would otherwise shift every centred value by 5% of the spread.
 * Composite: its gradient is that of x − mean(x).
 */
export function center(x: Tensor, axes?: Axes): Tensor {
  requireFloat('center', x);
  const d = sub(x, mean(x, axes, { keepdim: true }));
  return x.dtype === 'float64' ? d : sub(d, mean(d, axes, { keepdim: true }));
}

/** Variance by two passes (centre, then Σ(x−μ)²): never E[x²]−E[x]², which cancels in float32. Composite. */
export function variance(x: Tensor, axes?: Axes, options: VarOptions = {}): Tensor {
  requireFloat('var', x);
  const ax = normAxes('var', axes, x.shape);
  const n = ax.reduce((p, a) => p * x.shape[a]!, 1);
  const correction = options.correction ?? 1;
  if (n - correction <= 0) {
    throw new Error(`var: ${n} element(s) over axes [${ax.join(',')}] of ${fmt(x.shape)} is too few for correction ${correction}`);
  }
  const d = center(x, ax);
  return div(sum(mul(d, d), ax, { keepdim: options.keepdim ?? false }), n - correction);
}

/** Standard deviation: √var (same options). Composite. */
export function std(x: Tensor, axes?: Axes, options: VarOptions = {}): Tensor {
  return sqrt(variance(x, axes, options));
}

// d sumTo(x) = g broadcast back to x's shape. Reduces a broadcast result to `shape` (JAX's _unbroadcast).
export function sumTo(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const lead = x.ndim - shape.length;
  if (lead < 0) throw new Error(`sumTo: cannot reduce ${fmt(x.shape)} to the larger rank of ${fmt(shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < x.ndim; i++) {
    const target = i < lead ? 1 : shape[i - lead]!;
    if (i < lead || (target === 1 && x.shape[i] !== 1)) axes.push(i);
    else if (target !== x.shape[i]) throw new Error(`sumTo: cannot reduce ${fmt(x.shape)} to ${fmt(shape)}`);
  }
  const raw = reduceRaw('sum', x, axes);
  const out = reshapeData(raw, shape);
  return record(out, 'sumTo', [x], (grad) => [expand(grad, x.shape)], ([a]) => sumTo(a!, shape));
}

/** Index of the maximum along `axis` (int32, no gradient); over the flattened tensor when no axis is given. */
export function argmax(x: Tensor, axis?: number, options: ReduceOptions = {}): Tensor {
  if (x.size === 0) throw new Error(`argmax: empty input ${fmt(x.shape)}`);
  if (axis === undefined) {
    const flat = reshapeData(x.detach(), [x.size]);
    return reshapeData(argmax(flat, 0), options.keepdim ? x.shape.map(() => 1) : []);
  }
  const a = normAxis('argmax', axis, x.ndim, x.shape);
  const out = empty('int32', keptShape(x.shape, [a]));
  argmaxKernel(x.data, x.shape, a, out.data as Int32Array);
  return reshapeData(out, finalShape(x.shape, [a], options.keepdim ?? false));
}

/** Same storage, new shape, no graph: for freshly made tensors only. */
function reshapeData(t: Tensor, shape: Shape): Tensor {
  if (numel(shape) !== t.size) throw new Error(`reshape: internal size mismatch ${fmt(t.shape)} → ${fmt(shape)}`);
  return new Tensor(t.data, shape);
}
