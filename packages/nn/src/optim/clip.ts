// Gradient clipping: torch.nn.utils.clip_grad_norm_ / clip_grad_value_ on the parameters' `.grad`, in place.
import { Tensor } from '@lnlab/core';
import type { FloatArray } from '@lnlab/core';

export interface GradNormOptions {
  /** The p of the p-norm: any p > 0, or Infinity for the max-abs norm. Default 2. */
  normType?: number;
}

export interface ClipGradNormOptions extends GradNormOptions {
  /** Throw when the total norm is NaN or infinite instead of scaling by it (PyTorch's default is false). */
  errorIfNonfinite?: boolean;
}

function gradsOf(op: string, params: Iterable<Tensor> | Tensor): FloatArray[] {
  const list = params instanceof Tensor ? [params] : [...params];
  const out: FloatArray[] = [];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new Error(`${op}: params[${i}] is not a Tensor`);
    if (p.grad === null) return;
    if (p.grad.dtype === 'int32') throw new Error(`${op}: params[${i}] has an int32 gradient`);
    out.push(p.grad.data as FloatArray);
  });
  return out;
}

function checkNormType(op: string, normType: number): void {
  if (typeof normType !== 'number' || !(normType === Infinity || (Number.isFinite(normType) && normType > 0))) {
    throw new Error(`${op}: invalid normType ${String(normType)} (must be a number > 0 or Infinity)`);
  }
}

function totalNorm(grads: FloatArray[], normType: number): number {
  if (normType === Infinity) {
    let max = 0;
    for (const g of grads) {
      for (let i = 0; i < g.length; i++) {
        const a = Math.abs(g[i]!);
        if (a > max || Number.isNaN(a)) max = a;
        if (Number.isNaN(max)) return NaN;
      }
    }
    return max;
  }
  let acc = 0;
  if (normType === 2) {
    for (const g of grads) for (let i = 0; i < g.length; i++) acc += g[i]! * g[i]!;
    return Math.sqrt(acc);
  }
  if (normType === 1) {
    for (const g of grads) for (let i = 0; i < g.length; i++) acc += Math.abs(g[i]!);
    return acc;
  }
  for (const g of grads) for (let i = 0; i < g.length; i++) acc += Math.abs(g[i]!) ** normType;
  return acc ** (1 / normType);
}

/**
 * The norm of all gradients taken together, as if concatenated into one vector (float64 accumulation).
 * Parameters whose `.grad` is null are skipped; with no gradients at all the norm is 0.
 */
export function gradNorm(params: Iterable<Tensor> | Tensor, options: GradNormOptions = {}): number {
  const normType = options.normType ?? 2;
  checkNormType('gradNorm', normType);
  return totalNorm(gradsOf('gradNorm', params), normType);
}

/**
 * PyTorch's `clip_grad_norm_`: computes the total gradient norm, and when `coef = maxNorm / (total + 1e-6)`
 * is below 1 multiplies every gradient by `coef` in place. Returns the total norm BEFORE clipping.
 * A non-finite total norm throws when `errorIfNonfinite`; otherwise, as in PyTorch, the gradients are scaled
 * by the resulting coefficient (NaN for a NaN norm, 0 for an infinite one).
 */
export function clipGradNorm(params: Iterable<Tensor> | Tensor, maxNorm: number, options: ClipGradNormOptions = {}): number {
  const op = 'clipGradNorm';
  const normType = options.normType ?? 2;
  checkNormType(op, normType);
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) {
    throw new Error(`${op}: invalid maxNorm ${String(maxNorm)} (must be a number ≥ 0)`);
  }
  const grads = gradsOf(op, params);
  const total = totalNorm(grads, normType);
  if (!Number.isFinite(total) && (options.errorIfNonfinite ?? false)) {
    throw new Error(
      `${op}: the total norm of order ${normType} of the gradients is ${total}, so they cannot be clipped ` +
        '(pass errorIfNonfinite: false to scale them by the non-finite norm anyway)',
    );
  }
  const coef = maxNorm / (total + 1e-6);
  if (!(coef >= 1)) {
    for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = g[i]! * coef;
  }
  return total;
}

/** PyTorch's `clip_grad_value_`: clamps every gradient element to [−clipValue, clipValue] in place. */
export function clipGradValue(params: Iterable<Tensor> | Tensor, clipValue: number): void {
  const op = 'clipGradValue';
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) throw new Error(`${op}: invalid clipValue ${String(clipValue)} (must be a number ≥ 0)`);
  for (const g of gradsOf(op, params)) {
    for (let i = 0; i < g.length; i++) {
      const x = g[i]!;
      if (x > clipValue) g[i] = clipValue;
      else if (x < -clipValue) g[i] = -clipValue;
    }
  }
}
