// Fused softmax / logSoftmax over the last axis (rows of length n): one pass for the max, one for exp and the
// sum (float64 locals), one to scale; and the matching VJPs in one pass per row.
//
// float32 softmax forward / backward run in WebAssembly SIMD (./wasm/elementwise.ts) where available, from
// WASM_MIN_ELEMENTS elements up (see setElementwiseBackend); the *Js functions are the fallback and the reference.
import type { FloatArray } from '../dtype';
import { softmaxBackwardWasm, softmaxForwardWasm } from './wasm/elementwise';

/** out = softmax(x) per row. A row of all −∞ (fully masked) gives NaN, as PyTorch does. */
export function softmaxForward(x: FloatArray, out: FloatArray, n: number): void {
  if (x instanceof Float32Array && out instanceof Float32Array && softmaxForwardWasm(x, out, n)) return;
  softmaxForwardJs(x, out, n);
}

/** softmaxForward in TypeScript (float64 locals). */
export function softmaxForwardJs(x: FloatArray, out: FloatArray, n: number): void {
  const rows = n === 0 ? 0 : x.length / n;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let m = -Infinity;
    for (let i = 0; i < n; i++) if (x[o + i]! > m) m = x[o + i]!;
    if (m === Infinity) m = 0;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const e = Math.exp(x[o + i]! - m);
      out[o + i] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let i = 0; i < n; i++) out[o + i] = out[o + i]! * inv;
  }
}

/** dx = y·(g − Σ g·y) per row. */
export function softmaxBackward(g: FloatArray, y: FloatArray, dx: FloatArray, n: number): void {
  if (g instanceof Float32Array && y instanceof Float32Array && dx instanceof Float32Array && softmaxBackwardWasm(g, y, dx, n)) return;
  softmaxBackwardJs(g, y, dx, n);
}

/** softmaxBackward in TypeScript (float64 locals). */
export function softmaxBackwardJs(g: FloatArray, y: FloatArray, dx: FloatArray, n: number): void {
  const rows = n === 0 ? 0 : y.length / n;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let dot = 0;
    for (let i = 0; i < n; i++) dot += g[o + i]! * y[o + i]!;
    for (let i = 0; i < n; i++) dx[o + i] = y[o + i]! * (g[o + i]! - dot);
  }
}

/** out = x − logΣexp(x) per row. */
export function logSoftmaxForward(x: FloatArray, out: FloatArray, n: number): void {
  const rows = n === 0 ? 0 : x.length / n;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let m = -Infinity;
    for (let i = 0; i < n; i++) if (x[o + i]! > m) m = x[o + i]!;
    if (m === -Infinity || m === Infinity) m = 0;
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.exp(x[o + i]! - m);
    const lse = m + Math.log(s);
    for (let i = 0; i < n; i++) out[o + i] = x[o + i]! - lse;
  }
}

/** dx = g − exp(y)·Σ g per row (y = logSoftmax(x)). */
export function logSoftmaxBackward(g: FloatArray, y: FloatArray, dx: FloatArray, n: number): void {
  const rows = n === 0 ? 0 : y.length / n;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let s = 0;
    for (let i = 0; i < n; i++) s += g[o + i]!;
    for (let i = 0; i < n; i++) dx[o + i] = g[o + i]! - Math.exp(y[o + i]!) * s;
  }
}
