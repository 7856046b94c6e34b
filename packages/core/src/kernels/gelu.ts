// GELU and its derivative, evaluated in float64 locals (exact erf form and tanh approximation).
import type { TypedArray } from '../dtype';
import { erfScalar } from './elementwise';

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const K = Math.sqrt(2 / Math.PI);
const C = 0.044715;

/** which: 0 = gelu, 1 = gelu′; tanhForm selects the tanh approximation. */
export function geluKernel(x: TypedArray, out: TypedArray, which: 0 | 1, tanhForm: boolean): void {
  const n = x.length;
  if (!tanhForm) {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      const cdf = 0.5 * (1 + erfScalar(v * INV_SQRT2));
      const pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
      // gelu = xΦ(x); gelu′ = Φ + xφ
      out[i] = which === 0 ? v * cdf : cdf + v * pdf;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    const u = K * (v + C * v * v * v);
    const t = Math.tanh(u);
    const du = K * (1 + 3 * C * v * v);
    out[i] = which === 0 ? 0.5 * v * (1 + t) : 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du;
  }
}
