// JavaScript side of the WebAssembly SIMD float32 GEMM (gemm.wat, assembled into gemm-wasm.ts).
//
// Only the standard `WebAssembly` global is used (no Node APIs), so this runs in browsers too. The module is
// compiled and instantiated synchronously on first use (it is < 4 KB, under browsers' limit for synchronous
// compilation on the main thread); where WebAssembly or SIMD is missing, or compiling is forbidden, gemmWasm
// returns false and the caller uses the TypeScript kernel. Where the engine validates relaxed SIMD (V8 ≥ 11.4, i.e.
// Node 22 and current browsers; Node 20 only behind --experimental-wasm-relaxed-simd), the build whose micro-kernel
// uses f32x4.relaxed_madd is preferred: ~25% faster where it is a fused multiply-add, and then rounded once instead
// of twice, so its last bits may differ from the plain build's.
//
// The module owns its linear memory, shared by all calls (JS is single-threaded) and grown as needed. (The threaded
// path, gemm-threads.ts, runs the shared-memory build of the same module on its own memory, with these blockings.) Each call
// copies op(A)'s and op(B)'s storage in (plain memcpy-speed `set`s; the transposes are done by the module's
// packing), and out as well when accumulating, runs the module's blocked GEMM and copies C back. Memory layout
// (byte offsets, each buffer 64-byte aligned):
//   [0, 64) unused · tile (4×8 floats, partial micro-tiles) · packed A block · packed B block · A · B · C
import { GEMM_WASM_RELAXED_SIMD, GEMM_WASM_SIMD } from './gemm-wasm';
import { align64, decodeBase64, growMemory } from './runtime';
import type { WasmMemory, WebAssemblyApi } from './runtime';

/** Which build of the module is in use: relaxed SIMD (fused multiply-add) or plain 128-bit SIMD. */
export type WasmGemmFeature = 'relaxed-simd' | 'simd';

/** gemm.wat's exported $gemm (addresses in bytes, strides in elements, flags 0/1); cRow is C's row stride. */
export type GemmExport = (
  a: number, aRow: number, aK: number, b: number, bK: number, bCol: number, c: number, cRow: number, m: number, k: number,
  n: number, accumulate: number, packA: number, packB: number, tile: number, kcStep: number, mcStep: number, ncStep: number,
) => void;

interface Instance {
  readonly feature: WasmGemmFeature;
  readonly memory: WasmMemory;
  readonly gemm: GemmExport;
  /** View of memory.buffer, renewed after each grow (growing detaches the old buffer). */
  f32: Float32Array;
}

/** Micro-tile (fixed by gemm.wat) and cache blocking, in elements (as in ../matmul.ts: KC·8 floats of B in L1). */
export const MR = 4;
export const NR = 8;
export const KC = 256;
export const MC = 128;
export const NC = 1024;
const TILE = 64;
/** Largest memory used (2 GiB): addresses stay far from i32 wrap-around; bigger problems use the JS kernel. */
const MAX_BYTES = 2 ** 31;

/** undefined: not loaded yet; null: unavailable. */
let instance: Instance | null | undefined;
let allowRelaxed = true;


function load(): Instance | null {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (typeof api?.validate !== 'function') return null;
  const builds: [WasmGemmFeature, string][] = [['simd', GEMM_WASM_SIMD]];
  if (allowRelaxed) builds.unshift(['relaxed-simd', GEMM_WASM_RELAXED_SIMD]);
  for (const [feature, base64] of builds) {
    try {
      const bytes = decodeBase64(base64);
      if (!api.validate(bytes)) continue;
      const { exports } = new api.Instance(new api.Module(bytes));
      const memory = exports['memory'] as WasmMemory;
      return { feature, memory, gemm: exports['gemm'] as GemmExport, f32: new Float32Array(memory.buffer) };
    } catch {
      // e.g. a content security policy without 'wasm-unsafe-eval': try the next build, then give up
    }
  }
  return null;
}

function loaded(): Instance | null {
  if (instance === undefined) instance = load();
  return instance;
}

/** The build of the WebAssembly kernel in use (loading it on first call), or null where it cannot run. */
export function wasmGemmFeature(): WasmGemmFeature | null {
  return loaded()?.feature ?? null;
}

/**
 * Forgets the loaded module (and its memory), so that the next call detects support again; with
 * `relaxedSimd: false` the relaxed-SIMD build is not considered. For tests and benchmarks.
 */
export function resetWasmGemm(options: { relaxedSimd?: boolean } = {}): void {
  instance = undefined;
  allowRelaxed = options.relaxedSimd ?? true;
}

/** Split `total` into equal-ish blocks of at most `max` (avoids a tiny last block), rounded up to `mult`. */
export function blockSize(total: number, max: number, mult: number): number {
  const blocks = Math.ceil(total / max);
  return Math.min(max, Math.ceil(Math.ceil(total / blocks) / mult) * mult);
}


/** Grows the memory to at least `bytes`; false if that is over MAX_BYTES or the engine refuses. */
function reserve(w: Instance, bytes: number): boolean {
  if (bytes <= w.memory.buffer.byteLength) return true;
  if (!growMemory(w.memory, bytes, MAX_BYTES)) return false;
  w.f32 = new Float32Array(w.memory.buffer);
  return true;
}

/**
 * out[m×n] (+)= op(A)·op(B) on float32 arrays with gemm's contract (see ../matmul.ts), in WebAssembly; the sums
 * are float32, like BLAS sgemm. Arguments must already be validated, with m, k, n ≥ 1. Returns false, having
 * done nothing, where the module cannot run (or the problem does not fit its memory): the caller falls back.
 */
export function gemmWasm(
  a: Float32Array, aOff: number, b: Float32Array, bOff: number, out: Float32Array, outOff: number,
  m: number, k: number, n: number, transA: boolean, transB: boolean, accumulate: boolean,
): boolean {
  const w = loaded();
  if (w === null) return false;
  const kcStep = blockSize(k, KC, 1), mcStep = blockSize(m, MC, MR), ncStep = blockSize(n, NC, NR);
  const packA = align64(TILE + 4 * MR * NR);
  const packB = align64(packA + 4 * Math.ceil(Math.min(mcStep, m) / MR) * MR * kcStep);
  const aPtr = align64(packB + 4 * Math.ceil(Math.min(ncStep, n) / NR) * NR * kcStep);
  const bPtr = align64(aPtr + 4 * m * k);
  const cPtr = align64(bPtr + 4 * k * n);
  if (!reserve(w, cPtr + 4 * m * n)) return false;
  const f32 = w.f32, c = cPtr >> 2, size = m * n;
  f32.set(a.subarray(aOff, aOff + m * k), aPtr >> 2);
  f32.set(b.subarray(bOff, bOff + k * n), bPtr >> 2);
  if (accumulate) f32.set(out.subarray(outOff, outOff + size), c);
  // op(A)[i, p] = A[i·aRow + p·aK];  op(B)[p, j] = B[p·bK + j·bCol]
  w.gemm(
    aPtr, transA ? 1 : k, transA ? m : 1, bPtr, transB ? 1 : n, transB ? k : 1, cPtr, n, m, k, n, accumulate ? 1 : 0,
    packA, packB, TILE, kcStep, mcStep, ncStep,
  );
  out.set(f32.subarray(c, c + size), outOff);
  return true;
}

/** Fills the module's whole memory with `value` (tests: NaN makes any read of stale memory visible). */
export function fillWasmGemmMemory(value: number): void {
  loaded()?.f32.fill(value);
}
