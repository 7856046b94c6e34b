// Fused LayerNorm kernels (rows of length n): two-pass statistics in float64 locals, and the llm.c backward
// dx = r·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ, reusing the saved mean and r = 1/√(σ²+ε).
import type { FloatArray } from '../dtype';

/**
 * y = (x − μ)·r·γ + β per row; writes μ and r per row into `mean` / `rstd`. weight/bias may be null.
 * Variance is two-pass (never E[x²]−E[x]²), so a large offset does not swamp a small spread in float32.
 */
export function layerNormForward(
  x: FloatArray, weight: FloatArray | null, bias: FloatArray | null, eps: number, n: number,
  y: FloatArray, mean: Float64Array, rstd: Float64Array,
): void {
  const rows = n === 0 ? 0 : x.length / n;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let s = 0;
    for (let i = 0; i < n; i++) s += x[o + i]!;
    const mu = s / n;
    let v = 0;
    for (let i = 0; i < n; i++) {
      const d = x[o + i]! - mu;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / n + eps);
    mean[r] = mu;
    rstd[r] = rs;
    if (weight && bias) for (let i = 0; i < n; i++) y[o + i] = (x[o + i]! - mu) * rs * weight[i]! + bias[i]!;
    else if (weight) for (let i = 0; i < n; i++) y[o + i] = (x[o + i]! - mu) * rs * weight[i]!;
    else if (bias) for (let i = 0; i < n; i++) y[o + i] = (x[o + i]! - mu) * rs + bias[i]!;
    else for (let i = 0; i < n; i++) y[o + i] = (x[o + i]! - mu) * rs;
  }
}

/**
 * The VJP of layerNormForward. dx may be null (input needs no gradient); dweight/dbias (float64 accumulators,
 * length n) may be null too. dw += Σ dy·x̂, db += Σ dy over rows.
 */
export function layerNormBackward(
  dy: FloatArray, x: FloatArray, weight: FloatArray | null, mean: Float64Array, rstd: Float64Array, n: number,
  dx: FloatArray | null, dweight: Float64Array | null, dbias: Float64Array | null,
): void {
  const rows = n === 0 ? 0 : x.length / n;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    const mu = mean[r]!;
    const rs = rstd[r]!;
    let sg = 0;
    let sgx = 0;
    for (let i = 0; i < n; i++) {
      const xh = (x[o + i]! - mu) * rs;
      const d = dy[o + i]!;
      const g = weight ? d * weight[i]! : d;
      sg += g;
      sgx += g * xh;
      if (dweight) dweight[i] = dweight[i]! + d * xh;
      if (dbias) dbias[i] = dbias[i]! + d;
    }
    if (!dx) continue;
    const mg = sg / n;
    const mgx = sgx / n;
    for (let i = 0; i < n; i++) {
      const xh = (x[o + i]! - mu) * rs;
      const g = weight ? dy[o + i]! * weight[i]! : dy[o + i]!;
      dx[o + i] = rs * (g - mg - xh * mgx);
    }
  }
}
