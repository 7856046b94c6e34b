// Fused RMSNorm kernels (rows of length n): y = x·r·γ with r = 1/√(mean(x²)+ε) accumulated in float64, and the
// backward dx = r·(g − x̂·mean(g·x̂)) with g = dy·γ, x̂ = x·r, reusing the saved r per row.
//
// One loop per small function: V8 (Node 20) compiles a loop inside a large function ~3× slower (see
// elementwise.ts, UNARY), so the row drivers only call these helpers.
import type { FloatArray } from '../dtype';

/** Σ x[o+i]² over one row, in float64. */
function sumSquares(x: FloatArray, o: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = x[o + i]!;
    s += v * v;
  }
  return s;
}

/** y = x·r·γ over one row. */
function scaleRowWeighted(x: FloatArray, o: number, n: number, r: number, weight: FloatArray, y: FloatArray): void {
  for (let i = 0; i < n; i++) y[o + i] = x[o + i]! * r * weight[i]!;
}

/** y = x·r over one row. */
function scaleRow(x: FloatArray, o: number, n: number, r: number, y: FloatArray): void {
  for (let i = 0; i < n; i++) y[o + i] = x[o + i]! * r;
}

/**
 * y = x·r·γ per row, r = 1/√(Σx²/n + ε) (float64), written to `rstd` per row. weight may be null.
 */
export function rmsNormForward(
  x: FloatArray, weight: FloatArray | null, eps: number, n: number, y: FloatArray, rstd: Float64Array,
): void {
  const rows = n === 0 ? 0 : x.length / n;
  for (let row = 0; row < rows; row++) {
    const o = row * n;
    const r = 1 / Math.sqrt(sumSquares(x, o, n) / n + eps);
    rstd[row] = r;
    if (weight) scaleRowWeighted(x, o, n, r, weight, y);
    else scaleRow(x, o, n, r, y);
  }
}

/** Σ g·x̂ over one row with g = dy·γ, x̂ = x·r; accumulates dγ += dy·x̂ when dweight is given. */
function rowDotWeighted(dy: FloatArray, x: FloatArray, o: number, n: number, r: number, weight: FloatArray, dweight: Float64Array | null): number {
  let s = 0;
  if (dweight) {
    for (let i = 0; i < n; i++) {
      const d = dy[o + i]!;
      const xh = x[o + i]! * r;
      s += d * weight[i]! * xh;
      dweight[i] = dweight[i]! + d * xh;
    }
  } else {
    for (let i = 0; i < n; i++) s += dy[o + i]! * weight[i]! * (x[o + i]! * r);
  }
  return s;
}

/** Σ dy·x̂ over one row (no weight). */
function rowDot(dy: FloatArray, x: FloatArray, o: number, n: number, r: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += dy[o + i]! * (x[o + i]! * r);
  return s;
}

/** dx = r·(dy·γ − x̂·m) over one row, x̂ = x·r. */
function rowGradWeighted(dy: FloatArray, x: FloatArray, o: number, n: number, r: number, m: number, weight: FloatArray, dx: FloatArray): void {
  for (let i = 0; i < n; i++) dx[o + i] = r * (dy[o + i]! * weight[i]! - x[o + i]! * r * m);
}

/** dx = r·(dy − x̂·m) over one row, x̂ = x·r. */
function rowGrad(dy: FloatArray, x: FloatArray, o: number, n: number, r: number, m: number, dx: FloatArray): void {
  for (let i = 0; i < n; i++) dx[o + i] = r * (dy[o + i]! - x[o + i]! * r * m);
}

/**
 * The VJP of rmsNormForward. dx may be null (input needs no gradient); dweight (a float64 accumulator of length n)
 * may be null too. dx = r·(g − x̂·mean(g·x̂)), g = dy·γ;  dγ += Σ_rows dy·x̂.
 */
export function rmsNormBackward(
  dy: FloatArray, x: FloatArray, weight: FloatArray | null, rstd: Float64Array, n: number,
  dx: FloatArray | null, dweight: Float64Array | null,
): void {
  const rows = n === 0 ? 0 : x.length / n;
  for (let row = 0; row < rows; row++) {
    const o = row * n;
    const r = rstd[row]!;
    if (weight) {
      const m = rowDotWeighted(dy, x, o, n, r, weight, dweight) / n;
      if (dx) rowGradWeighted(dy, x, o, n, r, m, weight, dx);
    } else {
      const m = rowDot(dy, x, o, n, r) / n;
      if (dx) rowGrad(dy, x, o, n, r, m, dx);
    }
  }
}
