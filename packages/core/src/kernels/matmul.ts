// Matrix-product kernels over typed arrays (no autograd): a GotoBLAS-style blocked GEMM in plain TypeScript.
//
// All four layouts (A·B, Aᵀ·B, A·Bᵀ, Aᵀ·Bᵀ) share one code path: blocks of op(A) and op(B) are first *packed*
// (copied, transposing as needed) into a scratch buffer laid out exactly in the order the micro-kernel
// reads them, so the hot loop never sees a stride and never depends on the layout. Packing costs O(m·k + k·n)
// per block against O(m·n·k) arithmetic, and it is what keeps the transposed layouts as fast as A·B (the
// backward pass of a matmul needs Aᵀ·G and G·Bᵀ; they must never materialise a transpose).
//
// Loop nest (as in GotoBLAS / BLIS), with op(A) [m×k] and op(B) [k×n]:
//   for jc in n step NC:                 columns of out / op(B)
//     for pc in k step KC:               a KC-deep slice of the inner dimension
//       pack op(B)[pc:+KC, jc:+NC]       → NR-column micro-panels (KC·NR doubles = 8 KiB each: L1-resident)
//       for ic in m step MC:
//         pack op(A)[ic:+MC, pc:+KC]     → MR-row micro-panels (MC·KC doubles = 128 KiB: L2-resident)
//         for each NR-column panel jr, for each MR-row panel ir:
//           micro-kernel: out[ic+ir:+MR, jc+jr:+NR] (+)= Apanel(ir) · Bpanel(jr)   (a KC-long loop)
// The micro-kernel holds its MR×NR block of out in local variables (JS doubles, i.e. registers) for the whole
// KC loop and reads MR + NR packed values per step for 2·MR·NR flops. On V8 the loop is bound by instruction
// count (every load carries a bounds check), not by memory: 4×4 and its neighbours (3×4, 4×3, 2×5...) all measured
// within ~5%, 4×8 or 8×4 were ~25% slower (x64 has 16 xmm registers; 32 accumulators spill).
//
// The scratch is a plain number[] in V8's PACKED_DOUBLE_ELEMENTS form, not a Float64Array: its loads are a few
// instructions shorter, which measured ~10% faster for the whole gemm. It only ever holds numbers (the operands are
// bounds-checked up front), so it never leaves that fast elements kind.
//
// `gemm` routes float32 products (all three arrays Float32Array) of at least WASM_MIN_MNK multiply-adds to the
// WebAssembly SIMD kernel in ./wasm (same loop nest, 4×8 f32x4 micro-kernel, ~8× faster), and everything else,
// float64 included, to `gemmJs` below, which is also the fallback where WebAssembly SIMD is unavailable. Large
// float32 products run on several threads once enableGemmThreads has supplied workers (./wasm/gemm-threads.ts).
import { gemmWasm, wasmGemmFeature } from './wasm/gemm';
import { gemmThreaded } from './wasm/gemm-threads';

export type FloatArray = Float32Array | Float64Array;

/** Micro-tile rows (MR) and columns (NR); the micro-kernel below is written out for exactly 4×4. */
const MR = 4;
const NR = 4;
/** Cache blocking (in elements): KC deep slices, MC rows of A per packed block, NC columns of B per packed block. */
const KC = 256;
const MC = 64;
const NC = 1024;

/** Packed A block followed by packed B block; grows on demand, shared by all calls (JS is single-threaded). */
const scratch: number[] = [];
/** Staging for partial (edge) micro-tiles. */
const edgeTile = new Float64Array(MR * NR);

function checkInt(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`gemm: ${name} must be a non-negative integer, got ${v}`);
}

function checkSpan(name: string, arr: FloatArray, off: number, size: number): void {
  if (!Number.isSafeInteger(off) || off < 0 || off + size > arr.length) {
    throw new RangeError(`gemm: ${name} needs ${size} elements from offset ${off}, but has length ${arr.length}`);
  }
}

/** Split `total` into equal-ish blocks of at most `max` (avoids a tiny last block), rounded up to `mult`. */
function blockSize(total: number, max: number, mult: number): number {
  const blocks = Math.ceil(total / max);
  return Math.min(max, Math.ceil(Math.ceil(total / blocks) / mult) * mult);
}

/**
 * Pack `cnt` lines × `kc` steps of a strided operand into 4-wide micro-panels: element (line t, step p), read
 * from src[base + t·tStride + p·kStride], goes to buf[dst + ⌊t/4⌋·4·kc + p·4 + t%4]; lines past cnt are zeroed.
 * For op(A) a "line" is a row of op(A); for op(B) it is a column of op(B). The loop order follows whichever
 * stride is contiguous in the source, so every layout packs with sequential reads.
 */
function pack(src: FloatArray, base: number, tStride: number, kStride: number, cnt: number, kc: number, buf: number[], dst: number): void {
  for (let t0 = 0; t0 < cnt; t0 += 4) {
    const h = Math.min(4, cnt - t0);
    const s0 = base + t0 * tStride;
    if (kStride === 1 || h < 4) {
      // Line by line: contiguous reads along k (A row-major / Bᵀ stored [n×k]); writes stride 4.
      for (let r = 0; r < 4; r++) {
        let d = dst + r;
        if (r < h) {
          let s = s0 + r * tStride;
          for (let p = 0; p < kc; p++, s += kStride, d += 4) buf[d] = src[s]!;
        } else {
          for (let p = 0; p < kc; p++, d += 4) buf[d] = 0;
        }
      }
    } else {
      // Step by step: the 4 lines are adjacent in the source (B row-major / Aᵀ stored [k×m]).
      let s = s0;
      const t1 = tStride, t2 = 2 * tStride, t3 = 3 * tStride;
      for (let p = 0, d = dst; p < kc; p++, s += kStride, d += 4) {
        buf[d] = src[s]!;
        buf[d + 1] = src[s + t1]!;
        buf[d + 2] = src[s + t2]!;
        buf[d + 3] = src[s + t3]!;
      }
    }
    dst += 4 * kc;
  }
}

/**
 * out[oo + r·ldo + c] (+)= Σ_p buf[ap + 4p + r] · buf[bp + 4p + c] for r < h, c < w (h, w ≤ 4).
 * Both packed panels live in `buf` and advance 4 per step, so one index (and one array) serves both: fewer
 * bounds checks and index computations per step. `| 0` keeps the index arithmetic int32 without overflow checks.
 */
function kernel4x4(buf: number[], ap: number, bp: number, kc: number, out: FloatArray, oo: number, ldo: number, h: number, w: number, add: boolean): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  const d = (bp - ap) | 0;
  for (const end = (ap + 4 * kc) | 0; ap < end; ap = (ap + 4) | 0) {
    const q = (ap + d) | 0;
    const a0 = buf[ap]!, a1 = buf[(ap + 1) | 0]!, a2 = buf[(ap + 2) | 0]!, a3 = buf[(ap + 3) | 0]!;
    const b0 = buf[q]!, b1 = buf[(q + 1) | 0]!, b2 = buf[(q + 2) | 0]!, b3 = buf[(q + 3) | 0]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  if (h === 4 && w === 4) {
    const o1 = oo + ldo, o2 = o1 + ldo, o3 = o2 + ldo;
    if (add) {
      out[oo]! += c00; out[oo + 1]! += c01; out[oo + 2]! += c02; out[oo + 3]! += c03;
      out[o1]! += c10; out[o1 + 1]! += c11; out[o1 + 2]! += c12; out[o1 + 3]! += c13;
      out[o2]! += c20; out[o2 + 1]! += c21; out[o2 + 2]! += c22; out[o2 + 3]! += c23;
      out[o3]! += c30; out[o3 + 1]! += c31; out[o3 + 2]! += c32; out[o3 + 3]! += c33;
    } else {
      out[oo] = c00; out[oo + 1] = c01; out[oo + 2] = c02; out[oo + 3] = c03;
      out[o1] = c10; out[o1 + 1] = c11; out[o1 + 2] = c12; out[o1 + 3] = c13;
      out[o2] = c20; out[o2 + 1] = c21; out[o2 + 2] = c22; out[o2 + 3] = c23;
      out[o3] = c30; out[o3 + 1] = c31; out[o3 + 2] = c32; out[o3 + 3] = c33;
    }
    return;
  }
  // Edge tile (bottom / right border): the padded panels computed zeros; store only the h×w valid part.
  const t = edgeTile;
  t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03;
  t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13;
  t[8] = c20; t[9] = c21; t[10] = c22; t[11] = c23;
  t[12] = c30; t[13] = c31; t[14] = c32; t[15] = c33;
  for (let r = 0; r < h; r++) {
    const o = oo + r * ldo;
    for (let c = 0; c < w; c++) out[o + c] = add ? out[o + c]! + t[4 * r + c]! : t[4 * r + c]!;
  }
}

/**
 * Matrix-vector, rows contiguous: out[outOff + i] (+)= Σ_p x[xOff + i·rs + p] · v[vOff + p] for i < cnt, p < len.
 * Four rows per pass share each load of v (four independent dot products).
 */
function gemvDot(x: FloatArray, xOff: number, rs: number, v: FloatArray, vOff: number, cnt: number, len: number, out: FloatArray, outOff: number, accumulate: boolean): void {
  let i = 0;
  for (; i + 4 <= cnt; i += 4) {
    const r0 = xOff + i * rs, r1 = r0 + rs, r2 = r1 + rs, r3 = r2 + rs;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let p = 0; p < len; p++) {
      const vp = v[vOff + p]!;
      s0 += x[r0 + p]! * vp; s1 += x[r1 + p]! * vp; s2 += x[r2 + p]! * vp; s3 += x[r3 + p]! * vp;
    }
    const o = outOff + i;
    if (accumulate) {
      out[o]! += s0; out[o + 1]! += s1; out[o + 2]! += s2; out[o + 3]! += s3;
    } else {
      out[o] = s0; out[o + 1] = s1; out[o + 2] = s2; out[o + 3] = s3;
    }
  }
  for (; i < cnt; i++) {
    const r = xOff + i * rs;
    let s = 0;
    for (let p = 0; p < len; p++) s += x[r + p]! * v[vOff + p]!;
    out[outOff + i] = accumulate ? out[outOff + i]! + s : s;
  }
}

/**
 * Vector-matrix, rows contiguous: out[outOff + j] (+)= Σ_p v[vOff + p] · x[xOff + p·rs + j] for j < cnt, p < len.
 * i-k-j order with four rows of x per pass, so out (contiguous, L1-resident) is loaded and stored once per 4 rows.
 */
function gemvAxpy(x: FloatArray, xOff: number, rs: number, v: FloatArray, vOff: number, len: number, cnt: number, out: FloatArray, outOff: number, accumulate: boolean): void {
  if (!accumulate) out.fill(0, outOff, outOff + cnt);
  let p = 0;
  for (; p + 4 <= len; p += 4) {
    const v0 = v[vOff + p]!, v1 = v[vOff + p + 1]!, v2 = v[vOff + p + 2]!, v3 = v[vOff + p + 3]!;
    const r0 = xOff + p * rs, r1 = r0 + rs, r2 = r1 + rs, r3 = r2 + rs;
    for (let j = 0; j < cnt; j++) out[outOff + j]! += v0 * x[r0 + j]! + v1 * x[r1 + j]! + v2 * x[r2 + j]! + v3 * x[r3 + j]!;
  }
  for (; p < len; p++) {
    const vp = v[vOff + p]!, r = xOff + p * rs;
    for (let j = 0; j < cnt; j++) out[outOff + j]! += vp * x[r + j]!;
  }
}

/** Which implementation runs float32 products: the TypeScript kernel or the WebAssembly SIMD one. */
export type GemmBackend = 'js' | 'wasm';

/**
 * Smallest m·k·n sent to the WebAssembly kernel by default. Below it the JS kernel wins (a wasm call has ~0.3 µs of
 * fixed cost: copies in and out, views, the call): measured crossover ~6³ for squares, 1.5× at 8³, 4× at 16³.
 * Vectors (m = 1 or n = 1) run in wasm too: memory-bound, but never slower than the JS matrix-vector loops.
 */
export const WASM_MIN_MNK = 8 ** 3;

let backendChoice: GemmBackend | 'auto' = 'auto';

/**
 * Chooses how `gemm` runs float32 products: 'auto' (default: WebAssembly from WASM_MIN_MNK up, where available),
 * 'wasm' (every float32 product, where available: for tests and benchmarks) or 'js'. float64 always runs in JS.
 */
export function setGemmBackend(choice: GemmBackend | 'auto'): void {
  backendChoice = choice;
}

/** The backend large float32 products use now: 'wasm' unless set to 'js' or WebAssembly SIMD is unavailable. */
export function gemmBackend(): GemmBackend {
  return backendChoice !== 'js' && wasmGemmFeature() !== null ? 'wasm' : 'js';
}

/**
 * out[m×n] (+)= op(A) · op(B): `gemmJs`'s contract (below), dispatched to the WebAssembly kernel for float32
 * (see setGemmBackend), where products are summed in float32 as sgemm does, or else to `gemmJs`.
 */
export function gemm(
  a: FloatArray, aOff: number, b: FloatArray, bOff: number, out: FloatArray, outOff: number,
  m: number, k: number, n: number, transA: boolean, transB: boolean, accumulate: boolean,
): void {
  if (backendChoice !== 'js' && a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array) {
    checkArgs(a, aOff, b, bOff, out, outOff, m, k, n);
    const wanted = backendChoice === 'wasm' || m * k * n >= WASM_MIN_MNK;
    if (wanted && m > 0 && k > 0 && n > 0) {
      // Several threads where enabled (enableGemmThreads) and worth it, else one; both give bitwise the same result.
      if (gemmThreaded(a, aOff, b, bOff, out, outOff, m, k, n, transA, transB, accumulate)) return;
      if (gemmWasm(a, aOff, b, bOff, out, outOff, m, k, n, transA, transB, accumulate)) return;
    }
  }
  gemmJs(a, aOff, b, bOff, out, outOff, m, k, n, transA, transB, accumulate);
}

function checkArgs(a: FloatArray, aOff: number, b: FloatArray, bOff: number, out: FloatArray, outOff: number, m: number, k: number, n: number): void {
  checkInt('m', m);
  checkInt('k', k);
  checkInt('n', n);
  checkSpan('a', a, aOff, m * k);
  checkSpan('b', b, bOff, k * n);
  checkSpan('out', out, outOff, m * n);
}

/**
 * out[m×n] (+)= op(A) · op(B), row-major, with op(A) = A (A stored [m×k]) or Aᵀ (A stored [k×m]) when transA,
 * op(B) = B (stored [k×n]) or Bᵀ (stored [n×k]) when transB. Offsets index into the arrays (for batched use).
 * When accumulate is false, out is overwritten; when true, the product is added to out.
 * `out` must not overlap `a` or `b`. Products are summed in float64 and rounded to out's type once per
 * KC = 256 steps of k (every 4 steps in the axpy loop used for m = 1 without transB and n = 1 with transA), as
 * BLAS does for float32.
 */
export function gemmJs(
  a: FloatArray, aOff: number, b: FloatArray, bOff: number, out: FloatArray, outOff: number,
  m: number, k: number, n: number, transA: boolean, transB: boolean, accumulate: boolean,
): void {
  checkArgs(a, aOff, b, bOff, out, outOff, m, k, n);
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (!accumulate) out.fill(0, outOff, outOff + m * n);
    return;
  }
  // Vector cases: a 4×4 micro-tile would be 3/4 padding, so use matrix-vector loops. A row vector op(A)
  // (m = 1) and a column vector op(B) (n = 1) are contiguous in every layout.
  if (m === 1) {
    if (transB) gemvDot(b, bOff, k, a, aOff, n, k, out, outOff, accumulate);
    else gemvAxpy(b, bOff, n, a, aOff, k, n, out, outOff, accumulate);
    return;
  }
  if (n === 1) {
    if (transA) gemvAxpy(a, aOff, m, b, bOff, k, m, out, outOff, accumulate);
    else gemvDot(a, aOff, k, b, bOff, m, k, out, outOff, accumulate);
    return;
  }
  // op(A)[i, p] = a[aOff + i·aRow + p·aK];  op(B)[p, j] = b[bOff + p·bK + j·bCol]
  const aRow = transA ? 1 : k, aK = transA ? m : 1;
  const bK = transB ? 1 : n, bCol = transB ? k : 1;
  const kcStep = blockSize(k, KC, 1), mcStep = blockSize(m, MC, MR), ncStep = blockSize(n, NC, NR);
  const mcPad = Math.ceil(Math.min(mcStep, m) / MR) * MR, ncPad = Math.ceil(Math.min(ncStep, n) / NR) * NR;
  const bBase = mcPad * kcStep;
  while (scratch.length < bBase + ncPad * kcStep) scratch.push(0.5); // a double first: PACKED_DOUBLE_ELEMENTS
  const buf = scratch;
  for (let jc = 0; jc < n; jc += ncStep) {
    const nc = Math.min(ncStep, n - jc);
    for (let pc = 0; pc < k; pc += kcStep) {
      const kc = Math.min(kcStep, k - pc);
      const add = accumulate || pc > 0; // later k-slices add onto the earlier ones
      pack(b, bOff + pc * bK + jc * bCol, bCol, bK, nc, kc, buf, bBase);
      for (let ic = 0; ic < m; ic += mcStep) {
        const mc = Math.min(mcStep, m - ic);
        pack(a, aOff + ic * aRow + pc * aK, aRow, aK, mc, kc, buf, 0);
        // jr outer: one B micro-panel stays in L1 while the A block (L2) streams past it.
        for (let jr = 0; jr < nc; jr += NR) {
          const w = Math.min(NR, nc - jr), bp = bBase + jr * kc, o = outOff + ic * n + jc + jr;
          for (let ir = 0; ir < mc; ir += MR) {
            kernel4x4(buf, ir * kc, bp, kc, out, o + ir * n, n, Math.min(MR, mc - ir), w, add);
          }
        }
      }
    }
  }
}

/**
 * Batched gemm: `batch` independent products; strides (in elements) between consecutive matrices; stride 0 =
 * broadcast that operand. An `outStride` of 0 sums all the products into the one `out` (overwriting it first
 * unless accumulate), e.g. a weight gradient Σ_b X_bᵀ·G_b.
 */
export function gemmBatched(
  a: FloatArray, aStride: number, b: FloatArray, bStride: number, out: FloatArray, outStride: number,
  batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean, accumulate: boolean,
): void {
  if (batch <= 0) return;
  // A shared right operand with stacked, contiguous left operands and outputs is one tall product (B packed once).
  if (batch > 1 && bStride === 0 && !transA && aStride === m * k && outStride === m * n) {
    gemm(a, 0, b, 0, out, 0, batch * m, k, n, false, transB, accumulate);
    return;
  }
  // A summed output over contiguous Aᵀ·B products is one product with a deeper inner dimension.
  if (batch > 1 && outStride === 0 && transA && !transB && aStride === m * k && bStride === k * n) {
    gemm(a, 0, b, 0, out, 0, m, batch * k, n, true, false, accumulate);
    return;
  }
  for (let i = 0; i < batch; i++) {
    gemm(a, i * aStride, b, i * bStride, out, i * outStride, m, k, n, transA, transB, accumulate || (outStride === 0 && i > 0));
  }
}

/** Simple, obviously-correct triple loop (float64 sums) with gemm's contract; the tests' reference. */
export function gemmReference(
  a: FloatArray, aOff: number, b: FloatArray, bOff: number, out: FloatArray, outOff: number,
  m: number, k: number, n: number, transA: boolean, transB: boolean, accumulate: boolean,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = a[aOff + (transA ? p * m + i : i * k + p)]!;
        const bv = b[bOff + (transB ? j * k + p : p * n + j)]!;
        s += av * bv;
      }
      const o = outOff + i * n + j;
      out[o] = accumulate ? out[o]! + s : s;
    }
  }
}
