// JavaScript side of the WebAssembly SIMD float32 elementwise kernels (elementwise.wat, assembled into
// elementwise-wasm.ts): GELU (exact erf) and its derivative, softmax forward / backward, LayerNorm forward / backward,
// and add / sub / mul / div (a JavaScript loop over typed arrays runs at ~2.2 ns per element here; the module,
// copies included, at ~0.5).
//
// As for the GEMM (./gemm.ts): only the standard `WebAssembly` global is used (no Node APIs); the module (< 4 KB) is
// compiled and instantiated synchronously on first use; where WebAssembly SIMD is missing or compiling is forbidden,
// every function here returns false, having done nothing, and the caller runs its TypeScript kernel.
//
// The module owns its linear memory, shared by all calls and grown as needed. Each call streams its operands
// through it in chunks of about CHUNK floats (whole rows for the row kernels): copy a chunk in (memcpy-speed
// `set`), run the kernel, copy the result out. Chunking keeps the working set in L2 and the memory small. Buffers
// are 64-byte aligned and padded by 16 bytes, so the module's full-vector accesses past a row end stay inside.
import { ELEMENTWISE_WASM_SIMD } from './elementwise-wasm';
import { align64, decodeBase64, growMemory } from './runtime';
import type { WasmMemory, WebAssemblyApi } from './runtime';

/** Which implementation runs the float32 elementwise kernels. */
export type ElementwiseBackend = 'js' | 'wasm';

interface Instance {
  readonly memory: WasmMemory;
  readonly gelu: (p: number, q: number, n4: number, which: number) => void;
  readonly softmaxFwd: (x: number, y: number, rows: number, n: number) => void;
  readonly softmaxBwd: (g: number, y: number, dx: number, rows: number, n: number) => void;
  readonly layerNormFwd: (
    x: number, w: number, b: number, y: number, mean: number, rstd: number, rows: number, n: number, eps: number,
  ) => void;
  readonly layerNormBwd: (
    dy: number, x: number, w: number, mean: number, rstd: number, dx: number, dw: number, db: number,
    rows: number, n: number, wantDx: number,
  ) => void;
  readonly binary: (op: number, a: number, as: number, b: number, bs: number, bw: number, out: number, n4: number) => void;
  readonly colsum: (x: number, acc: number, rows: number, cols: number) => void;
  readonly tanh: (p: number, n4: number) => void;
  readonly adam: (
    x: number, g: number, m: number, v: number, n: number, step: number, bc2: number, beta2: number, eps: number, w1: number, w2: number,
  ) => void;
  readonly copy4: (src: number, dst: number, d0: number, d1: number, d2: number, d3: number, s0: number, s1: number, s2: number, s3: number) => void;
  /** Views of memory.buffer, renewed after each grow (growing detaches the old buffer). */
  f32: Float32Array;
  f64: Float64Array;
}

/** Floats per chunk (256 KiB per buffer). */
const CHUNK = 65536;
/** Largest memory used; problems needing more (rows of > ~16M floats) use the TypeScript kernels. */
const MAX_BYTES = 2 ** 30;

/**
 * Smallest number of elements sent to WebAssembly by default ('auto'); below it a call's fixed cost (copies,
 * views, the call) is not repaid.
 */
export const WASM_MIN_ELEMENTS = 64;

/** undefined: not loaded yet; null: unavailable. */
let instance: Instance | null | undefined;
let backendChoice: ElementwiseBackend | 'auto' = 'auto';

function load(): Instance | null {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (typeof api?.validate !== 'function') return null;
  try {
    const bytes = decodeBase64(ELEMENTWISE_WASM_SIMD);
    if (!api.validate(bytes)) return null;
    const { exports } = new api.Instance(new api.Module(bytes));
    const memory = exports['memory'] as WasmMemory;
    return {
      memory,
      gelu: exports['gelu'] as Instance['gelu'],
      softmaxFwd: exports['softmax_fwd'] as Instance['softmaxFwd'],
      softmaxBwd: exports['softmax_bwd'] as Instance['softmaxBwd'],
      layerNormFwd: exports['layernorm_fwd'] as Instance['layerNormFwd'],
      layerNormBwd: exports['layernorm_bwd'] as Instance['layerNormBwd'],
      binary: exports['binary'] as Instance['binary'],
      colsum: exports['colsum'] as Instance['colsum'],
      tanh: exports['tanh'] as Instance['tanh'],
      adam: exports['adam'] as Instance['adam'],
      copy4: exports['copy4'] as Instance['copy4'],
      f32: new Float32Array(memory.buffer),
      f64: new Float64Array(memory.buffer),
    };
  } catch {
    return null; // e.g. a content security policy without 'wasm-unsafe-eval'
  }
}

function loaded(): Instance | null {
  if (instance === undefined) instance = load();
  return instance;
}

/** Whether the WebAssembly SIMD elementwise module can run here (loading it on first call). */
export function wasmElementwiseAvailable(): boolean {
  return loaded() !== null;
}

/** Forgets the loaded module (and its memory), so that the next call detects support again. For tests. */
export function resetWasmElementwise(): void {
  instance = undefined;
}

/**
 * Chooses how the float32 GELU (exact erf), softmax and LayerNorm kernels run: 'auto' (default: WebAssembly from
 * WASM_MIN_ELEMENTS elements up, where available), 'wasm' (every float32 call, where available: for tests and
 * benchmarks) or 'js'. float64 (and the tanh GELU) always run in TypeScript.
 */
export function setElementwiseBackend(choice: ElementwiseBackend | 'auto'): void {
  backendChoice = choice;
}

/** The backend large float32 calls use now: 'wasm' unless set to 'js' or WebAssembly SIMD is unavailable. */
export function elementwiseBackend(): ElementwiseBackend {
  return backendChoice !== 'js' && loaded() !== null ? 'wasm' : 'js';
}

/** The instance to run a call of `size` elements on, or null for the TypeScript kernel. */
function pick(size: number): Instance | null {
  if (backendChoice === 'js' || size === 0) return null;
  if (backendChoice === 'auto' && size < WASM_MIN_ELEMENTS) return null;
  return loaded();
}

/** Bytes for a buffer of `count` elements of `width` bytes, padded for one v128 past the end, aligned. */
const span = (count: number, width: number): number => align64(count * width + 16);

/** Grows the memory to at least `bytes`; false if that is over MAX_BYTES or the engine refuses. */
function reserve(w: Instance, bytes: number): boolean {
  if (bytes <= w.memory.buffer.byteLength) return true;
  if (!growMemory(w.memory, bytes, MAX_BYTES)) return false;
  w.f32 = new Float32Array(w.memory.buffer);
  w.f64 = new Float64Array(w.memory.buffer);
  return true;
}

/** Rows per chunk for rows of n floats: about CHUNK floats, at least one row. */
const chunkRows = (n: number): number => Math.max(1, Math.floor(CHUNK / n));

/**
 * out = gelu(x) (which = 0), gelu′(x) (which = 1) or g·gelu′(x) (which = 2, g of x's length), exact-erf form,
 * float32 (see elementwise.wat: erf by A&S 7.1.26, within ~2e-7·max(1, |x|) of the float64 result). x and out may
 * be the same array.
 */
export function geluWasm(x: Float32Array, out: Float32Array, which: 0 | 1 | 2, g?: Float32Array): boolean {
  const size = x.length;
  const w = pick(size);
  if (which === 2 && g?.length !== size) throw new RangeError(`geluWasm: g has length ${g?.length}, x ${size}`);
  const bytes = span(CHUNK, 4);
  if (w === null || !reserve(w, which === 2 ? 2 * bytes : bytes)) return false;
  const f32 = w.f32;
  for (let i = 0; i < size; i += CHUNK) {
    const len = Math.min(CHUNK, size - i);
    f32.set(x.subarray(i, i + len), 0);
    if (g) f32.set(g.subarray(i, i + len), bytes >> 2);
    w.gelu(0, bytes, (len + 3) >> 2, which);
    out.set(f32.subarray(0, len), i);
  }
  return true;
}

/** out = softmax(x) over rows of n (../softmax.ts semantics). */
export function softmaxForwardWasm(x: Float32Array, out: Float32Array, n: number): boolean {
  const size = x.length;
  const w = n > 0 ? pick(size) : null;
  if (w === null) return false;
  const step = chunkRows(n);
  const bytes = span(step * n, 4);
  if (!reserve(w, 2 * bytes)) return false;
  const f32 = w.f32, rows = size / n;
  for (let r = 0; r < rows; r += step) {
    const cnt = Math.min(step, rows - r), lo = r * n, hi = lo + cnt * n;
    f32.set(x.subarray(lo, hi), 0);
    w.softmaxFwd(0, bytes, cnt, n);
    out.set(f32.subarray(bytes >> 2, (bytes >> 2) + cnt * n), lo);
  }
  return true;
}

/** dx = y·(g − Σ g·y) over rows of n. */
export function softmaxBackwardWasm(g: Float32Array, y: Float32Array, dx: Float32Array, n: number): boolean {
  const size = y.length;
  const w = n > 0 ? pick(size) : null;
  if (w === null) return false;
  const step = chunkRows(n);
  const bytes = span(step * n, 4);
  if (!reserve(w, 3 * bytes)) return false;
  const f32 = w.f32, rows = size / n, yo = bytes >> 2, dxo = (2 * bytes) >> 2;
  for (let r = 0; r < rows; r += step) {
    const cnt = Math.min(step, rows - r), lo = r * n, hi = lo + cnt * n;
    f32.set(g.subarray(lo, hi), 0);
    f32.set(y.subarray(lo, hi), yo);
    w.softmaxBwd(0, bytes, 2 * bytes, cnt, n);
    dx.set(f32.subarray(dxo, dxo + cnt * n), lo);
  }
  return true;
}

/**
 * LayerNorm forward over rows of n (../layer-norm.ts semantics): statistics in f64, μ and r = 1/√(σ²+ε) per row
 * into mean / rstd.
 */
export function layerNormForwardWasm(
  x: Float32Array, weight: Float32Array | null, bias: Float32Array | null, eps: number, n: number,
  y: Float32Array, mean: Float64Array, rstd: Float64Array,
): boolean {
  const size = x.length;
  const w = n > 0 ? pick(size) : null;
  if (w === null) return false;
  const step = chunkRows(n);
  const vec = span(n, 4), buf = span(step * n, 4), stat = span(step, 8);
  const wPtr = 0, bPtr = vec, xPtr = 2 * vec, yPtr = xPtr + buf, mPtr = yPtr + buf, rPtr = mPtr + stat;
  if (!reserve(w, rPtr + stat)) return false;
  const f32 = w.f32, f64 = w.f64, rows = size / n;
  if (weight) f32.set(weight.subarray(0, n), wPtr >> 2);
  else f32.fill(1, wPtr >> 2, (wPtr >> 2) + n);
  if (bias) f32.set(bias.subarray(0, n), bPtr >> 2);
  else f32.fill(0, bPtr >> 2, (bPtr >> 2) + n);
  for (let r = 0; r < rows; r += step) {
    const cnt = Math.min(step, rows - r), lo = r * n, hi = lo + cnt * n;
    f32.set(x.subarray(lo, hi), xPtr >> 2);
    w.layerNormFwd(xPtr, wPtr, bPtr, yPtr, mPtr, rPtr, cnt, n, eps);
    y.set(f32.subarray(yPtr >> 2, (yPtr >> 2) + cnt * n), lo);
    mean.set(f64.subarray(mPtr >> 3, (mPtr >> 3) + cnt), r);
    rstd.set(f64.subarray(rPtr >> 3, (rPtr >> 3) + cnt), r);
  }
  return true;
}

/**
 * The VJP of layerNormForwardWasm (../layer-norm.ts semantics): dx (if not null) = r·(g − mean(g) − x̂·mean(g·x̂)),
 * g = dy·γ; dweight += Σ dy·x̂ and dbias += Σ dy over rows (float64 accumulators, if not null).
 */
export function layerNormBackwardWasm(
  dy: Float32Array, x: Float32Array, weight: Float32Array | null, mean: Float64Array, rstd: Float64Array, n: number,
  dx: Float32Array | null, dweight: Float64Array | null, dbias: Float64Array | null,
): boolean {
  const size = x.length;
  const w = n > 0 ? pick(size) : null;
  if (w === null) return false;
  const step = chunkRows(n), n4 = Math.ceil(n / 4) * 4;
  const vec = span(n4, 4), acc = span(n4, 8), buf = span(step * n, 4), stat = span(step, 8);
  const wPtr = 0, dwPtr = vec, dbPtr = dwPtr + acc, dyPtr = dbPtr + acc, xPtr = dyPtr + buf, dxPtr = xPtr + buf;
  const mPtr = dxPtr + buf, rPtr = mPtr + stat;
  if (!reserve(w, rPtr + stat)) return false;
  const f32 = w.f32, f64 = w.f64, rows = size / n;
  // weight (or 1) with its padding zeroed: the module relies on g = dy·w being 0 past the row end
  f32.fill(0, wPtr >> 2, (wPtr >> 2) + n4);
  if (weight) f32.set(weight.subarray(0, n), wPtr >> 2);
  else f32.fill(1, wPtr >> 2, (wPtr >> 2) + n);
  f64.fill(0, dwPtr >> 3, (dbPtr + acc) >> 3);
  if (dweight) f64.set(dweight.subarray(0, n), dwPtr >> 3);
  if (dbias) f64.set(dbias.subarray(0, n), dbPtr >> 3);
  for (let r = 0; r < rows; r += step) {
    const cnt = Math.min(step, rows - r), lo = r * n, hi = lo + cnt * n;
    f32.set(dy.subarray(lo, hi), dyPtr >> 2);
    f32.set(x.subarray(lo, hi), xPtr >> 2);
    f64.set(mean.subarray(r, r + cnt), mPtr >> 3);
    f64.set(rstd.subarray(r, r + cnt), rPtr >> 3);
    w.layerNormBwd(dyPtr, xPtr, wPtr, mPtr, rPtr, dxPtr, dwPtr, dbPtr, cnt, n, dx ? 1 : 0);
    if (dx) dx.set(f32.subarray(dxPtr >> 2, (dxPtr >> 2) + cnt * n), lo);
  }
  if (dweight) dweight.set(f64.subarray(dwPtr >> 3, (dwPtr >> 3) + n));
  if (dbias) dbias.set(f64.subarray(dbPtr >> 3, (dbPtr >> 3) + n));
  return true;
}

/** Fills the module's whole memory with `value` (tests: NaN makes any read of stale memory visible). */
export function fillWasmElementwiseMemory(value: number): void {
  loaded()?.f32.fill(value);
}

export type ArithOp = 'add' | 'sub' | 'mul' | 'div';
const ARITH_CODE: Record<ArithOp, number> = { add: 0, sub: 1, mul: 2, div: 3 };
/** Below this many elements the arithmetic ops stay in JavaScript (the call and copies would not be repaid). */
const BINARY_MIN_ELEMENTS = 256;

/**
 * out = a ∘ b, float32, where each operand is either out's length or a single value, or b is a row of `row`
 * elements (a multiple of 4) repeated over out (a broadcast along leading axes). Returns false, having done
 * nothing, where the module cannot run or the layout is not one of these: the caller runs its own loop.
 */
export function binaryWasm(op: ArithOp, a: Float32Array, b: Float32Array, out: Float32Array, row = 0): boolean {
  const size = out.length;
  const aScalar = a.length === 1 && size > 1, bScalar = b.length === 1 && size > 1;
  const bRow = row > 0 && b.length === row && row % 4 === 0 && size % row === 0 && row <= CHUNK;
  if ((a.length !== size && !aScalar) || (b.length !== size && !bScalar && !bRow) || (aScalar && bScalar)) return false;
  const w = size >= BINARY_MIN_ELEMENTS || backendChoice === 'wasm' ? pick(size) : null;
  const bytes = span(CHUNK, 4);
  if (w === null || !reserve(w, 3 * bytes)) return false;
  const f32 = w.f32, aPtr = 0, bPtr = bytes, oPtr = 2 * bytes, code = ARITH_CODE[op];
  if (aScalar) f32.fill(a[0]!, 0, 4);
  if (bScalar) f32.fill(b[0]!, bPtr >> 2, (bPtr >> 2) + 4);
  if (bRow) f32.set(b, bPtr >> 2);
  const step = bRow ? Math.floor(CHUNK / row) * row : CHUNK;
  for (let i = 0; i < size; i += step) {
    const len = Math.min(step, size - i);
    if (!aScalar) f32.set(a.subarray(i, i + len), 0);
    if (!bScalar && !bRow) f32.set(b.subarray(i, i + len), bPtr >> 2);
    w.binary(code, aPtr, aScalar ? 0 : 16, bPtr, bScalar ? 0 : 16, bRow ? row >> 2 : 0, oPtr, (len + 3) >> 2);
    out.set(f32.subarray(oPtr >> 2, (oPtr >> 2) + len), i);
  }
  return true;
}

/**
 * out[j] = Σ_r x[r·cols + j] over the rows of a row-major float32 matrix, summed row by row in float64 and rounded
 * once (../reduce.ts's columnSums, bitwise). Returns false, having done nothing, where the module cannot run.
 */
export function columnSumsWasm(x: Float32Array, cols: number, out: Float32Array): boolean {
  const size = x.length;
  const w = cols > 0 && out.length === cols && size % cols === 0 ? pick(size) : null;
  if (w === null) return false;
  const rows = size / cols, step = Math.max(1, Math.floor(CHUNK / cols));
  const accPtr = 0, xPtr = span(cols, 8);
  if (!reserve(w, xPtr + span(step * cols, 4))) return false;
  const f32 = w.f32, f64 = w.f64;
  f64.fill(0, 0, cols);
  for (let r = 0; r < rows; r += step) {
    const cnt = Math.min(step, rows - r);
    f32.set(x.subarray(r * cols, (r + cnt) * cols), xPtr >> 2);
    w.colsum(xPtr, accPtr, cnt, cols);
  }
  for (let j = 0; j < cols; j++) out[j] = f64[j]!;
  return true;
}

/**
 * out (contiguous, of `shape`, at most 4 axes) = x read from `offset` with element `strides` (all ≥ 0): a
 * permutation or broadcast copy (../elementwise.ts's stridedCopy). Returns false, having done nothing, where the
 * module cannot run or the layout is outside this (more axes, negative strides).
 */
export function stridedCopyWasm(x: Float32Array, offset: number, strides: readonly number[], out: Float32Array, shape: readonly number[]): boolean {
  const nd = shape.length, size = out.length;
  if (nd === 0 || nd > 4 || strides.some((st) => st < 0)) return false;
  const w = pick(size);
  if (w === null) return false;
  const d = [1, 1, 1, 1], st = [0, 0, 0, 0];
  let last = offset;
  for (let i = 0; i < nd; i++) {
    d[4 - nd + i] = shape[i]!;
    st[4 - nd + i] = strides[i]!;
    last += (shape[i]! - 1) * strides[i]!;
  }
  const srcLen = last - offset + 1, dst = span(srcLen, 4);
  if (!reserve(w, dst + span(size, 4))) return false;
  const f32 = w.f32;
  f32.set(x.subarray(offset, offset + srcLen), 0);
  w.copy4(0, dst, d[0]!, d[1]!, d[2]!, d[3]!, st[0]!, st[1]!, st[2]!, st[3]!);
  out.set(f32.subarray(dst >> 2, (dst >> 2) + size));
  return true;
}

/** Adam's coefficients for one parameter and step (see ../adam.ts). */
export interface AdamCoefficients {
  stepSize: number;
  biasCorrection2Sqrt: number;
  beta2: number;
  eps: number;
  w1: number;
  w2: number;
}

/** ../adam.ts's update on float32 storage, in place (bitwise the TypeScript loop's numbers). */
export function adamWasm(x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, c: AdamCoefficients): boolean {
  const size = x.length;
  const w = g.length === size && m.length === size && v.length === size ? pick(size) : null;
  const bytes = span(CHUNK, 4);
  if (w === null || !reserve(w, 4 * bytes)) return false;
  const f32 = w.f32, xo = 0, go = bytes >> 2, mo = (2 * bytes) >> 2, vo = (3 * bytes) >> 2;
  for (let i = 0; i < size; i += CHUNK) {
    const len = Math.min(CHUNK, size - i), hi = i + len;
    f32.set(x.subarray(i, hi), xo);
    f32.set(g.subarray(i, hi), go);
    f32.set(m.subarray(i, hi), mo);
    f32.set(v.subarray(i, hi), vo);
    w.adam(0, bytes, 2 * bytes, 3 * bytes, len, c.stepSize, c.biasCorrection2Sqrt, c.beta2, c.eps, c.w1, c.w2);
    x.set(f32.subarray(xo, xo + len), i);
    m.set(f32.subarray(mo, mo + len), i);
    v.set(f32.subarray(vo, vo + len), i);
  }
  return true;
}

/**
 * out = tanh(x), float32 (elementwise.wat: Cephes tanhf, within ~2 ulp of the float64 result; Math.tanh costs ~25 ns
 * per element here). x and out may be the same array.
 */
export function tanhWasm(x: Float32Array, out: Float32Array): boolean {
  const size = x.length;
  const w = pick(size);
  if (w === null || !reserve(w, span(CHUNK, 4))) return false;
  const f32 = w.f32;
  for (let i = 0; i < size; i += CHUNK) {
    const len = Math.min(CHUNK, size - i);
    f32.set(x.subarray(i, i + len), 0);
    w.tanh(0, (len + 3) >> 2);
    out.set(f32.subarray(0, len), i);
  }
  return true;
}
