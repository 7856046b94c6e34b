// Adam's parameter update for the common case (no weight decay, amsgrad or maximize; β1 > 0.5), the kernel behind
// @lnlab/nn's Adam / AdamW: float64 arithmetic, each stored value rounded once. float32 storage runs in
// WebAssembly (f64x2, the same operations in the same order: bitwise equal), the rest in the loop below.
import type { FloatArray } from '../dtype';
import { adamWasm } from './wasm/elementwise';
import type { AdamCoefficients } from './wasm/elementwise';

export type { AdamCoefficients };

/**
 * In place: m ← m + w1·(g − m); v ← v·β2 + w2·g·g; x ← x − stepSize·m / (√v / biasCorrection2Sqrt + eps)
 * (torch.optim.Adam's lerp / mul_+addcmul_ / sqrt+div+add / addcdiv_, with m and v read back after rounding).
 */
export function adamUpdate(x: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, c: AdamCoefficients): void {
  if (x instanceof Float32Array && g instanceof Float32Array && m instanceof Float32Array && v instanceof Float32Array && adamWasm(x, g, m, v, c)) {
    return;
  }
  adamJs(x, g, m, v, c);
}

/** The TypeScript loop: the fallback, and the reference the WebAssembly kernel is tested against. */
export function adamJs(x: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, c: AdamCoefficients): void {
  const { stepSize, biasCorrection2Sqrt, beta2, eps, w1, w2 } = c;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    const mi = m[i]!;
    m[i] = mi + w1 * (gi - mi);
    v[i] = v[i]! * beta2 + w2 * gi * gi;
    const denom = Math.sqrt(v[i]!) / biasCorrection2Sqrt + eps;
    x[i] = x[i]! + (-stepSize * m[i]!) / denom;
  }
}
