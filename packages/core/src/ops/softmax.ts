// softmax and logSoftmax: composites of primitives, stable by subtracting the (detached) row maximum.
import type { Tensor } from '../tensor';
import { div, sub } from './arith';
import { max, sum } from './reduce';
import { exp, log } from './unary';
import { requireFloat } from './util';

function shifted(op: string, x: Tensor, dim: number): Tensor {
  requireFloat(op, x);
  // The shift cancels mathematically; detaching it keeps it out of the gradient. −∞ rows stay −∞ after it.
  const m = max(x, dim, { keepdim: true }).detach();
  const md = m.data;
  for (let i = 0; i < md.length; i++) if (md[i] === -Infinity) md[i] = 0;
  return sub(x, m);
}

/** exp(x − max) / Σ exp(x − max) along `dim`. */
export function softmax(x: Tensor, dim = -1): Tensor {
  const e = exp(shifted('softmax', x, dim));
  return div(e, sum(e, dim, { keepdim: true }));
}

/** (x − max) − log Σ exp(x − max) along `dim`. */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  const z = shifted('logSoftmax', x, dim);
  return sub(z, log(sum(exp(z), dim, { keepdim: true })));
}
