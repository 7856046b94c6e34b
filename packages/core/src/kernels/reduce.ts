// Reductions over a set of axes: sum and max, accumulating in float64 locals along contiguous runs.
import type { TypedArray } from '../dtype';
import type { Shape } from '../shape';
import { stridesOf } from '../shape';
import { columnSumsWasm } from './wasm/elementwise';

export type ReduceOp = 'sum' | 'max';

/**
 * Reduces `x` (of `shape`) over the axes flagged in `reduced` into `out`, laid out as the keepdim shape.
 * `out` must have the right length; it is overwritten.
 */
export function reduceKernel(op: ReduceOp, x: TypedArray, shape: Shape, reduced: readonly boolean[], out: TypedArray): void {
  const nd = shape.length;
  out.fill(op === 'sum' ? 0 : -Infinity);
  if (x.length === 0) return;
  if (nd === 0) {
    out[0] = x[0]!;
    return;
  }
  const lead = reduced.indexOf(false);
  if (op === 'sum' && lead > 0 && reduced.indexOf(true, lead) === -1) {
    // Sums over leading axes (a bias gradient, an unbroadcast): column sums of a [rows, cols] matrix.
    columnSums(x, x.length / out.length, out.length, out);
    return;
  }
  const keep = shape.map((d, i) => (reduced[i] ? 1 : d));
  const ks = stridesOf(keep);
  const os = ks.map((s, i) => (reduced[i] ? 0 : s));
  const inner = shape[nd - 1]!;
  const innerReduced = reduced[nd - 1]!;
  const idx = new Array<number>(nd).fill(0);
  let o = 0;
  for (let i = 0; i < x.length; i += inner) {
    if (innerReduced) {
      // The whole run folds into one output: accumulate in a local.
      out[o] = op === 'sum' ? out[o]! + sumRun(x, i, inner) : maxRun(x, i, inner, out[o]!);
    } else if (op === 'sum') {
      addRun(out, o, x, i, inner);
    } else {
      maxInto(out, o, x, i, inner);
    }
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      o += os[d]!;
      if (idx[d]! < shape[d]!) break;
      o -= os[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

// One loop per function (see UNARY in ./elementwise on V8 and loops in large functions).

/** Σ x[i..i+n) in a float64 local. */
function sumRun(x: TypedArray, i: number, n: number): number {
  let acc = 0;
  for (let j = 0; j < n; j++) acc += x[i + j]!;
  return acc;
}

/** max(acc, x[i..i+n)), NaN winning. */
function maxRun(x: TypedArray, i: number, n: number, acc: number): number {
  for (let j = 0; j < n; j++) {
    const v = x[i + j]!;
    if (v > acc || v !== v) acc = v;
    if (acc !== acc) break;
  }
  return acc;
}

function addRun(out: TypedArray, o: number, x: TypedArray, i: number, n: number): void {
  for (let j = 0; j < n; j++) out[o + j] = out[o + j]! + x[i + j]!;
}

function maxInto(out: TypedArray, o: number, x: TypedArray, i: number, n: number): void {
  for (let j = 0; j < n; j++) {
    const v = x[i + j]!;
    const acc = out[o + j]!;
    if (v > acc || v !== v) out[o + j] = v;
  }
}

/** acc[j] += x[base + j] for j < n. */
function addRow(acc: Float64Array, x: TypedArray, base: number, n: number): void {
  for (let j = 0; j < n; j++) acc[j] = acc[j]! + x[base + j]!;
}

/** out[j] = Σ_r x[r·cols + j], summed row by row (contiguous reads) in float64. */
function columnSums(x: TypedArray, rows: number, cols: number, out: TypedArray): void {
  if (x instanceof Float32Array && out instanceof Float32Array && columnSumsWasm(x, cols, out)) return;
  const acc = new Float64Array(cols);
  for (let r = 0; r < rows; r++) addRow(acc, x, r * cols, cols);
  for (let j = 0; j < cols; j++) out[j] = acc[j]!;
}

/** Index of the largest value along `axis` (first one on ties; NaN wins, as in PyTorch). */
export function argmaxKernel(x: TypedArray, shape: Shape, axis: number, out: Int32Array): void {
  const n = shape[axis]!;
  const inner = stridesOf(shape)[axis]!;
  const outer = x.length / (n * inner || 1);
  for (let a = 0; a < outer; a++) {
    for (let c = 0; c < inner; c++) {
      const base = a * n * inner + c;
      let best = 0;
      let bv = x[base]!;
      for (let k = 1; k < n && bv === bv; k++) {
        const v = x[base + k * inner]!;
        if (v > bv || v !== v) {
          bv = v;
          best = k;
        }
      }
      out[a * inner + c] = best;
    }
  }
}
