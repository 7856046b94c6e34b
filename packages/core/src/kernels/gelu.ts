// GELU and its derivative, evaluated in float64 locals (exact erf form and tanh approximation).
import type { TypedArray } from '../dtype';
import { erfScalar } from './elementwise';
import { geluWasm } from './wasm/elementwise';

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const K = Math.sqrt(2 / Math.PI);
const C = 0.044715;

const POW2 = Float64Array.from({ length: 151 }, (_, i) => 2 ** (i - 150));

/**
 * exp(x) for x ≤ 0 to float32 accuracy (relative error < 1e-8): 2^n·e^g with n = round(x·log₂e), |g| ≤ ln2/2,
 * e^g by its degree-7 Taylor polynomial. Several times cheaper than Math.exp.
 */
function expNeg32(x: number): number {
  if (x < -100) return 0;
  const y = x * Math.LOG2E;
  const n = Math.floor(y + 0.5);
  const g = (y - n) * Math.LN2;
  const p = 1 + g * (1 + g * (0.5 + g * (1 / 6 + g * (1 / 24 + g * (1 / 120 + g * (1 / 720 + g * (1 / 5040)))))));
  return p * POW2[n + 150]!;
}

/** Abramowitz & Stegun 7.1.26: erf(a) for a ≥ 0 given e = exp(−a²), |error| ≤ 1.5e-7 (float32 accuracy). */
function erfPos32(a: number, e: number): number {
  const t = 1 / (1 + 0.3275911 * a);
  return 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * e;
}

/**
 * which: 0 = gelu, 1 = gelu′; tanhForm selects the tanh approximation. Float32 outputs use an erf accurate to
 * float32 (A&S 7.1.26) that shares its exp(−x²/2) with the normal pdf: one exp per element. That float32 exact-erf
 * path runs in WebAssembly SIMD (./wasm/elementwise.ts, same formulas in f32x4) where available, from
 * WASM_MIN_ELEMENTS elements up (see setElementwiseBackend), else in `geluErf32`.
 */
export function geluKernel(x: TypedArray, out: TypedArray, which: 0 | 1, tanhForm: boolean): void {
  if (tanhForm) geluTanh(x, out, which);
  else if (out instanceof Float32Array) {
    if (!(x instanceof Float32Array && geluWasm(x, out, which))) geluErf32(x, out, which);
  } else geluErf64(x, out, which);
}

/**
 * out = g·gelu′(x), float32, exact-erf form: GELU's backward in one pass (WebAssembly where available). gelu′ is
 * rounded to float32 before the product, so the result is bitwise that of geluKernel(x, d, 1) then g·d.
 */
export function geluBackwardF32(g: Float32Array, x: Float32Array, out: Float32Array): void {
  if (geluWasm(x, out, 2, g)) return;
  geluErf32(x, out, 1);
  for (let i = 0; i < out.length; i++) out[i] = g[i]! * out[i]!;
}

/** The TypeScript float32 exact-erf GELU (float64 locals): the fallback and the reference of the wasm kernel. */
export function geluErf32(x: TypedArray, out: Float32Array, which: 0 | 1): void {
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    const e = expNeg32(-0.5 * v * v);
    const a = v < 0 ? -v * INV_SQRT2 : v * INV_SQRT2;
    const erf = erfPos32(a, e);
    const cdf = 0.5 * (1 + (v < 0 ? -erf : erf));
    // gelu = xΦ(x); gelu′ = Φ + xφ, φ = e/√(2π)
    out[i] = which === 0 ? v * cdf : cdf + v * INV_SQRT_2PI * e;
  }
}

function geluErf64(x: TypedArray, out: TypedArray, which: 0 | 1): void {
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    const cdf = 0.5 * (1 + erfScalar(v * INV_SQRT2));
    out[i] = which === 0 ? v * cdf : cdf + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v);
  }
}

function geluTanh(x: TypedArray, out: TypedArray, which: 0 | 1): void {
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    const t = Math.tanh(K * (v + C * v * v * v));
    out[i] = which === 0 ? 0.5 * v * (1 + t) : 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * K * (1 + 3 * C * v * v);
  }
}
