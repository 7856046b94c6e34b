// Fused LayerNorm kernels (rows of length n): two-pass statistics in float64 locals, and the llm.c backward
// dx = r·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ, reusing the saved mean and r = 1/√(σ²+ε).
//
// float32 calls (x, y / dy, dx, γ, β all Float32Array) run in WebAssembly SIMD (./wasm/elementwise.ts: statistics,
// x − μ and the dγ / dβ accumulators in f64) where available, from WASM_MIN_ELEMENTS elements up (see
// setElementwiseBackend); the *Js functions are the fallback and the reference.
import type { FloatArray } from '../dtype';
import { layerNormBackwardWasm, layerNormForwardWasm } from './wasm/elementwise';

const f32OrNull = (a: FloatArray | null): a is Float32Array | null => a === null || a instanceof Float32Array;

/**
 * y = (x − μ)·r·γ + β per row; writes μ and r per row into `mean` / `rstd`. weight/bias may be null.
 * Variance is two-pass (never E[x²]−E[x]²), so a large offset does not swamp a small spread in float32.
 */
export function layerNormForward(
  x: FloatArray, weight: FloatArray | null, bias: FloatArray | null, eps: number, n: number,
  y: FloatArray, mean: Float64Array, rstd: Float64Array,
): void {
  if (
    x instanceof Float32Array && y instanceof Float32Array && f32OrNull(weight) && f32OrNull(bias) &&
    layerNormForwardWasm(x, weight, bias, eps, n, y, mean, rstd)
  ) return;
  layerNormForwardJs(x, weight, bias, eps, n, y, mean, rstd);
}

/** layerNormForward in TypeScript (float64 locals). */
export function layerNormForwardJs(
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
  if (
    dy instanceof Float32Array && x instanceof Float32Array && f32OrNull(weight) && f32OrNull(dx) &&
    layerNormBackwardWasm(dy, x, weight, mean, rstd, n, dx, dweight, dbias)
  ) return;
  layerNormBackwardJs(dy, x, weight, mean, rstd, n, dx, dweight, dbias);
}

/** layerNormBackward in TypeScript (float64 locals). */
export function layerNormBackwardJs(
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
