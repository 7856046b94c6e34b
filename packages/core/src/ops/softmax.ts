// softmax and logSoftmax: fused primitives along the last axis (one kernel each way), and composites of
// primitives for any other axis. Recording a graph of the backward (createGraph) uses the VJP written with
// differentiable ops, so second derivatives work.
import { record } from '../autograd/engine';
import { isGradEnabled } from '../autograd/mode';
import type { FloatArray } from '../dtype';
import { logSoftmaxBackward, logSoftmaxForward, softmaxBackward, softmaxForward } from '../kernels/softmax';
import { normAxis } from '../shape';
import type { Tensor } from '../tensor';
import { div, mul, sub } from './arith';
import { max, sum } from './reduce';
import { exp, log } from './unary';
import { empty, requireFloat } from './util';

function shifted(op: string, x: Tensor, dim: number): Tensor {
  // The shift cancels mathematically; detaching it keeps it out of the gradient. −∞ rows stay −∞ after it.
  const m = max(x, dim, { keepdim: true }).detach();
  const md = m.data;
  for (let i = 0; i < md.length; i++) if (md[i] === -Infinity) md[i] = 0;
  return sub(x, m);
}

/** softmax from primitives (the reference the fused op is tested against; used for non-last axes). */
export function softmaxComposite(x: Tensor, dim = -1): Tensor {
  requireFloat('softmax', x);
  const e = exp(shifted('softmax', x, dim));
  return div(e, sum(e, dim, { keepdim: true }));
}

/** logSoftmax from primitives. */
export function logSoftmaxComposite(x: Tensor, dim = -1): Tensor {
  requireFloat('logSoftmax', x);
  const z = shifted('logSoftmax', x, dim);
  return sub(z, log(sum(exp(z), dim, { keepdim: true })));
}

// d softmax = y·(g − Σ g·y)
/** exp(x − max) / Σ exp(x − max) along `dim` (fused along the last axis). */
export function softmax(x: Tensor, dim = -1): Tensor {
  requireFloat('softmax', x);
  const a = normAxis('softmax', dim, x.ndim, x.shape);
  if (a !== x.ndim - 1) return softmaxComposite(x, a);
  const n = x.shape[a]!;
  const out = empty(x.dtype, x.shape);
  softmaxForward(x.data as FloatArray, out.data as FloatArray, n);
  return record(
    out,
    'softmax',
    [x],
    (grad) => {
      if (isGradEnabled()) return [mul(out, sub(grad, sum(mul(grad, out), -1, { keepdim: true })))];
      const dx = empty(x.dtype, x.shape);
      softmaxBackward(grad.data as FloatArray, out.data as FloatArray, dx.data as FloatArray, n);
      return [dx];
    },
    ([t]) => softmax(t!, dim),
  );
}

// d logSoftmax = g − exp(y)·Σ g
/** (x − max) − log Σ exp(x − max) along `dim` (fused along the last axis). */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  requireFloat('logSoftmax', x);
  const a = normAxis('logSoftmax', dim, x.ndim, x.shape);
  if (a !== x.ndim - 1) return logSoftmaxComposite(x, a);
  const n = x.shape[a]!;
  const out = empty(x.dtype, x.shape);
  logSoftmaxForward(x.data as FloatArray, out.data as FloatArray, n);
  return record(
    out,
    'logSoftmax',
    [x],
    (grad) => {
      if (isGradEnabled()) return [sub(grad, mul(exp(out), sum(grad, -1, { keepdim: true })))];
      const dx = empty(x.dtype, x.shape);
      logSoftmaxBackward(grad.data as FloatArray, out.data as FloatArray, dx.data as FloatArray, n);
      return [dx];
    },
    ([t]) => logSoftmax(t!, dim),
  );
}
