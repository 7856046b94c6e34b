// Cross-entropy fused with logSoftmax (one pass per row, softmax − target backward), checked against the
// composite built from logSoftmax/gather.
import { Tensor, add, cast, clamp, defineOp, div, eq, formatShape, gather, logSoftmax, mean, mul, ne, neg, reshape, sum, where, zerosLike } from '@lnlab/core';

export interface CrossEntropyOptions {
  ignoreIndex?: number;
  labelSmoothing?: number;
  reduction?: 'mean' | 'sum';
}

function flatten(op: string, logits: Tensor, target: Tensor): [Tensor, Tensor, number] {
  if (logits.ndim < 2) throw new Error(`${op}: logits must be [N, C] or [..., C], got ${formatShape(logits.shape)}`);
  const C = logits.shape[logits.ndim - 1]!;
  const N = logits.size / C;
  if (target.dtype !== 'int32') throw new Error(`${op}: target must be int32 class indices, got ${target.dtype} ${formatShape(target.shape)}`);
  if (target.size !== N || target.ndim !== logits.ndim - 1 || target.shape.some((d, i) => d !== logits.shape[i])) {
    throw new Error(`${op}: target ${formatShape(target.shape)} does not match logits ${formatShape(logits.shape)} (expected ${formatShape(logits.shape.slice(0, -1))})`);
  }
  if (logits.dtype === 'int32') throw new Error(`${op}: logits must be float, got int32`);
  return [reshape(logits, [N, C]), reshape(target, [N]), C];
}

function checkTargets(op: string, target: Tensor, C: number, ignoreIndex: number): number {
  let valid = 0;
  for (let i = 0; i < target.size; i++) {
    const t = target.data[i]!;
    if (t === ignoreIndex) continue;
    if (t < 0 || t >= C) throw new Error(`${op}: target ${t} at position ${i} is out of range for ${C} classes (ignoreIndex ${ignoreIndex})`);
    valid++;
  }
  return valid;
}

/** The composite twin: −Σ_valid [(1−ε)·log p_y + ε·mean_c log p_c] / n_valid, from primitives. */
export function crossEntropyComposite(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const [x, t, C] = flatten('crossEntropy', logits, target);
  const ignore = options.ignoreIndex ?? -100;
  const eps = options.labelSmoothing ?? 0;
  checkTargets('crossEntropy', t, C, ignore);
  const lp = logSoftmax(x, -1);
  const safe = cast(where(eq(t, ignore), 0, t), 'int32');
  const picked = reshape(gather(lp, 1, reshape(safe, [-1, 1])), [-1]);
  let perRow = neg(picked);
  if (eps > 0) perRow = add(mul(perRow, 1 - eps), mul(neg(mean(lp, -1)), eps));
  const w = cast(ne(t, ignore), x.dtype);
  const total = sum(mul(perRow, w));
  return options.reduction === 'sum' ? total : div(total, clamp(sum(w), 1));
}


/**
 * PyTorch's `F.cross_entropy(logits, target, ignore_index, label_smoothing)` with reduction mean (over
 * non-ignored targets) or sum. logits [..., C], target int32 [...]. Fused forward and backward.
 */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const [x, t, C] = flatten('crossEntropy', logits, target);
  const ignore = options.ignoreIndex ?? -100;
  const eps = options.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new Error(`crossEntropy: labelSmoothing must be in [0, 1], got ${eps}`);
  const valid = checkTargets('crossEntropy', t, C, ignore);
  const N = t.size;
  const norm = options.reduction === 'sum' ? 1 : 1 / Math.max(valid, 1);
  const lse = new Float64Array(N);
  const op = defineOp('crossEntropy', {
    forward: ([xi]) => {
      const xd = xi!.data;
      let total = 0;
      for (let r = 0; r < N; r++) {
        const o = r * C;
        let m = -Infinity;
        for (let c = 0; c < C; c++) m = Math.max(m, xd[o + c]!);
        let s = 0;
        for (let c = 0; c < C; c++) s += Math.exp(xd[o + c]! - m);
        const l = m + Math.log(s);
        lse[r] = l;
        const y = t.data[r]!;
        if (y === ignore) continue;
        let row = (1 - eps) * (l - xd[o + y]!);
        if (eps > 0) {
          let sl = 0;
          for (let c = 0; c < C; c++) sl += l - xd[o + c]!;
          row += (eps * sl) / C;
        }
        total += row;
      }
      const out = new Tensor(xi!.dtype === 'float64' ? new Float64Array(1) : new Float32Array(1), []);
      out.data[0] = total * norm;
      return out;
    },
    // d/dx_c = g·norm·(softmax_c − (1−ε)·[c = y] − ε/C) on valid rows, 0 on ignored ones.
    backward: (grad, [xi]) => {
      const xd = xi!.data;
      const dx = zerosLike(xi!);
      const g = grad.data[0]! * norm;
      for (let r = 0; r < N; r++) {
        const y = t.data[r]!;
        if (y === ignore) continue;
        const o = r * C;
        const l = lse[r]!;
        for (let c = 0; c < C; c++) dx.data[o + c] = g * (Math.exp(xd[o + c]! - l) - eps / C);
        dx.data[o + y] = dx.data[o + y]! - g * (1 - eps);
      }
      return [dx];
    },
    composite: ([xi]) => crossEntropyComposite(xi!, t, options),
  });
  return op(x);
}
