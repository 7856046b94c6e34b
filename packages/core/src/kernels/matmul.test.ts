import { setFlagsFromString } from 'node:v8';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { gemm, gemmBackend, gemmBatched, gemmJs, gemmReference, setGemmBackend, WASM_MIN_MNK } from './matmul';
import type { FloatArray } from './matmul';
import { fillWasmGemmMemory, resetWasmGemm, wasmGemmFeature } from './wasm/gemm';
import { decodeBase64 } from './wasm/runtime';
import { GEMM_WASM_RELAXED_SIMD } from './wasm/gemm-wasm';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Tiny deterministic LCG (Numerical Recipes constants), values in [-1, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

/** An array of `pad` sentinels, then `size` random values, then `pad` sentinels. */
function padded(C: Ctor, size: number, pad: number, rand: () => number, sentinel: number): FloatArray {
  const arr = new C(size + 2 * pad).fill(sentinel);
  for (let i = 0; i < size; i++) arr[pad + i] = rand();
  return arr;
}

const LAYOUTS: [string, boolean, boolean][] = [
  ['plain', false, false],
  ['transA', true, false],
  ['transB', false, true],
  ['transA+transB', true, true],
];

/** Set while testing the wasm backend: its whole memory is filled with NaN before each product. */
let poisonWasm = false;

/**
 * Runs gemm with non-zero offsets (operand padding is NaN, so any stray read poisons the result; out's padding
 * must survive) and checks every element against gemmReference within tol·(|op(A)|·|op(B)| + |out₀|), the
 * standard error bound of a summation. For accumulate=false, out starts as NaN, so it must be overwritten.
 * With poisonWasm, the wasm kernel's memory starts as NaN too, so reading anything it did not write this call
 * (stale scratch, unzeroed padding, C before it is stored) shows up.
 */
function check(C: Ctor, m: number, k: number, n: number, transA: boolean, transB: boolean, accumulate: boolean, seed = 1): void {
  const rand = lcg(seed + 7919 * m + 131 * k + n);
  const pa = 3, pb = 5, po = 2;
  const a = padded(C, m * k, pa, rand, NaN);
  const b = padded(C, k * n, pb, rand, NaN);
  const out = padded(C, m * n, po, accumulate ? rand : () => NaN, 777);
  const init = Float64Array.from(out.subarray(po, po + m * n));

  if (poisonWasm) fillWasmGemmMemory(NaN);
  gemm(a, pa, b, pb, out, po, m, k, n, transA, transB, accumulate);

  const ref = new Float64Array(m * n);
  if (accumulate) ref.set(init);
  gemmReference(a, pa, b, pb, ref, 0, m, k, n, transA, transB, accumulate);
  const scale = new Float64Array(m * n);
  if (accumulate) scale.set(init.map(Math.abs));
  gemmReference(a.map(Math.abs), pa, b.map(Math.abs), pb, scale, 0, m, k, n, transA, transB, accumulate);

  const tol = C === Float64Array ? 1e-12 : 1e-5;
  let worst = 0;
  for (let i = 0; i < m * n; i++) {
    const err = Math.abs(out[po + i]! - ref[i]!) / (scale[i]! + 1e-30);
    worst = Math.max(worst, err); // NaN-propagating
  }
  const what = `${C.name} ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'} ${m}x${k}x${n} accumulate=${accumulate}`;
  expect(worst, what).toBeLessThanOrEqual(tol);
  for (let i = 0; i < po; i++) {
    expect(out[i], `${what}: out padding`).toBe(777);
    expect(out[po + m * n + i], `${what}: out padding`).toBe(777);
  }
}

function checkAll(m: number, k: number, n: number, transA: boolean, transB: boolean): void {
  for (const C of [Float64Array, Float32Array]) for (const acc of [false, true]) check(C, m, k, n, transA, transB, acc);
}

const SMALL = [1, 2, 3, 5, 7];
// Odd sizes around the 4×4 micro-tile, plus shapes crossing the KC=256 / MC=64 / NC=1024 block boundaries.
const SHAPES: [number, number, number][] = [
  [7, 13, 5], [17, 33, 65], [65, 17, 33], [33, 65, 17], [65, 65, 65], [1, 65, 33], [65, 1, 17], [33, 17, 1],
  [70, 300, 9], [130, 5, 6], [3, 5, 1030], [2, 513, 3], [1, 300, 70], [70, 300, 1], [1, 7, 1030], [1, 33, 1],
];

for (const backend of ['js', 'wasm'] as const) {
  describe(`gemm (backend ${backend})`, () => {
    beforeAll(() => {
      setGemmBackend(backend);
      poisonWasm = backend === 'wasm';
    });
    afterAll(() => {
      setGemmBackend('auto');
      poisonWasm = false;
    });

    it(`runs float32 products in ${backend}`, () => expect(gemmBackend()).toBe(backend));

    for (const [name, tA, tB] of LAYOUTS) {
      it(`${name} all m,k,n in {${SMALL.join(',')}} match reference`, () => {
        for (const m of SMALL) for (const k of SMALL) for (const n of SMALL) checkAll(m, k, n, tA, tB);
      });
      for (const [m, k, n] of SHAPES) {
        it(`${name} ${m}x${k}x${n} matches reference`, () => checkAll(m, k, n, tA, tB));
      }
    }

    it('gemmReference computes a known 2x3 · 3x2 product', () => {
      const a = new Float64Array([1, 2, 3, 4, 5, 6]);
      const b = new Float64Array([7, 8, 9, 10, 11, 12]);
      const out = new Float64Array(4);
      gemmReference(a, 0, b, 0, out, 0, 2, 3, 2, false, false, false);
      expect(Array.from(out)).toEqual([58, 64, 139, 154]);
      gemm(a, 0, b, 0, out, 0, 2, 3, 2, false, false, true);
      expect(Array.from(out)).toEqual([116, 128, 278, 308]);
    });

    it('k = 0 zeroes out, or leaves it alone when accumulating', () => {
      const empty = new Float32Array(0);
      const out = new Float32Array([9, 9, 9, 9, 9, 9, 9]);
      gemm(empty, 0, empty, 0, out, 1, 2, 0, 3, false, true, true);
      expect(Array.from(out)).toEqual([9, 9, 9, 9, 9, 9, 9]);
      gemm(empty, 0, empty, 0, out, 1, 2, 0, 3, true, false, false);
      expect(Array.from(out)).toEqual([9, 0, 0, 0, 0, 0, 0]);
    });

    it('m = 0 or n = 0 is a no-op', () => {
      const a = new Float64Array(6).fill(1);
      const out = new Float64Array([5, 5]);
      gemm(a, 0, a, 0, out, 0, 0, 3, 2, false, false, false);
      gemm(a, 0, a, 0, out, 0, 2, 3, 0, true, true, false);
      expect(Array.from(out)).toEqual([5, 5]);
    });

    it('mixes float32 and float64 operands', () => {
      const rand = lcg(3);
      const a = Float32Array.from({ length: 5 * 6 }, rand);
      const b = Float64Array.from({ length: 6 * 7 }, rand);
      const out = new Float64Array(5 * 7);
      const ref = new Float64Array(5 * 7);
      gemm(a, 0, b, 0, out, 0, 5, 6, 7, true, false, false);
      gemmReference(a, 0, b, 0, ref, 0, 5, 6, 7, true, false, false);
      for (let i = 0; i < ref.length; i++) expect(out[i]).toBeCloseTo(ref[i]!, 12);
    });

    it('rejects out-of-range offsets and sizes', () => {
      const x = new Float32Array(12);
      expect(() => gemm(x, 1, x, 0, new Float32Array(9), 0, 3, 4, 3, false, false, false)).toThrow(RangeError);
      expect(() => gemm(x, 0, x, 0, new Float32Array(8), 0, 3, 4, 3, false, false, false)).toThrow(RangeError);
      expect(() => gemm(x, 0.5, x, 0, new Float32Array(9), 0, 3, 4, 3, false, false, false)).toThrow(RangeError);
      expect(() => gemm(x, 0, x, 0, new Float32Array(9), 0, -3, 4, 3, false, false, false)).toThrow(RangeError);
    });
  });

  describe(`gemmBatched (backend ${backend})`, () => {
    beforeAll(() => setGemmBackend(backend));
    afterAll(() => setGemmBackend('auto'));

    /** gemmBatched against one gemmReference per batch entry (with outStride 0 meaning "sum into out"). */
    function checkBatched(C: Ctor, batch: number, m: number, k: number, n: number, strides: [number, number, number], transA: boolean, transB: boolean, accumulate: boolean): void {
      const [sa, sb, so] = strides;
      const rand = lcg(batch * 1000 + m * 100 + k * 10 + n);
      const len = (stride: number, size: number): number => (batch - 1) * stride + size;
      const a = padded(C, len(sa, m * k), 0, rand, 0);
      const b = padded(C, len(sb, k * n), 0, rand, 0);
      const out = padded(C, len(so, m * n), 0, rand, 0);
      const ref = Float64Array.from(out);
      gemmBatched(a, sa, b, sb, out, so, batch, m, k, n, transA, transB, accumulate);
      for (let i = 0; i < batch; i++) {
        const acc = accumulate || (so === 0 && i > 0);
        gemmReference(a, i * sa, b, i * sb, ref, i * so, m, k, n, transA, transB, acc);
      }
      const tol = C === Float64Array ? 1e-12 : 2e-5;
      let worst = 0;
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(out[i]! - ref[i]!) / (1 + Math.abs(ref[i]!)));
      expect(worst, `${C.name} strides ${strides.join('/')} transA=${transA} transB=${transB} acc=${accumulate}`).toBeLessThanOrEqual(tol);
    }

    const [m, k, n, batch] = [5, 7, 6, 3];
    const cases: [string, [number, number, number]][] = [
      ['contiguous', [m * k, k * n, m * n]],
      ['broadcast b (stride 0)', [m * k, 0, m * n]],
      ['broadcast a (stride 0)', [0, k * n, m * n]],
      ['both broadcast', [0, 0, m * n]],
      ['summed into one out (out stride 0)', [m * k, k * n, 0]],
      ['gapped strides', [m * k + 3, k * n + 1, m * n + 2]],
    ];
    for (const [name, strides] of cases) {
      it(`${name} matches per-matrix reference in all layouts`, () => {
        for (const C of [Float64Array, Float32Array]) {
          for (const [, tA, tB] of LAYOUTS) for (const acc of [false, true]) checkBatched(C, batch, m, k, n, strides, tA, tB, acc);
        }
      });
    }

    it('batch = 0 is a no-op, batch = 1 is a plain gemm', () => {
      const out = new Float32Array([4, 4]);
      gemmBatched(new Float32Array(0), 0, new Float32Array(0), 0, out, 2, 0, 1, 0, 2, false, false, false);
      expect(Array.from(out)).toEqual([4, 4]);
      checkBatched(Float64Array, 1, 7, 3, 5, [0, 0, 0], true, false, false);
    });
  });
}

describe('gemm WebAssembly kernel (float32)', () => {
  beforeAll(() => {
    setGemmBackend('wasm');
    poisonWasm = true;
  });
  afterAll(() => {
    setGemmBackend('auto');
    poisonWasm = false;
  });

  // Around the 4×8 micro-tile and the KC = 256 / MC = 128 / NC = 1024 blocks of the wasm kernel.
  const WASM_SHAPES: [number, number, number][] = [
    [4, 256, 8], [8, 257, 16], [3, 300, 1030], [131, 257, 17], [260, 33, 20], [2, 513, 1033], [129, 1, 9],
  ];
  const rand = lcg(42);
  const dim = (): number => 1 + Math.floor(((rand() + 1) / 2) * 70);
  const RANDOM_SHAPES = Array.from({ length: 24 }, (): [number, number, number] => [dim(), dim(), dim()]);

  for (const [name, tA, tB] of LAYOUTS) {
    it(`${name} block-crossing shapes match reference`, () => {
      for (const [m, k, n] of WASM_SHAPES) for (const acc of [false, true]) check(Float32Array, m, k, n, tA, tB, acc);
    });
    it(`${name} random shapes in 1..70 match reference`, () => {
      for (const [m, k, n] of RANDOM_SHAPES) for (const acc of [false, true]) check(Float32Array, m, k, n, tA, tB, acc, 3);
    });
  }
});

describe('gemm backend selection', () => {
  /** The WebAssembly global (core's TypeScript libs do not declare it). */
  const wasm = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean; Module: unknown; Instance: unknown } }).WebAssembly;
  const rand = lcg(9);
  const data = (len: number): Float32Array => Float32Array.from({ length: len }, rand);

  /** Runs gemm and gemmJs on the same float32 product; true if the results are bitwise identical. */
  function sameAsJs(m: number, k: number, n: number): boolean {
    const a = data(m * k), b = data(k * n);
    const out = new Float32Array(m * n), js = new Float32Array(m * n);
    gemm(a, 0, b, 0, out, 0, m, k, n, false, true, false);
    gemmJs(a, 0, b, 0, js, 0, m, k, n, false, true, false);
    return out.every((v, i) => v === js[i]);
  }

  afterEach(() => {
    vi.unstubAllGlobals();
    resetWasmGemm();
    setGemmBackend('auto');
  });

  it('auto: float32 products from WASM_MIN_MNK up run in wasm (float32 sums), smaller ones in gemmJs', () => {
    expect(gemmBackend()).toBe('wasm');
    expect(32 * 64 * 32).toBeGreaterThanOrEqual(WASM_MIN_MNK);
    expect(sameAsJs(32, 64, 32)).toBe(false); // float32 sums differ from gemmJs's float64 ones somewhere
    expect(sameAsJs(1, 4096, 64)).toBe(false);
    expect(4 * 31 * 4).toBeLessThan(WASM_MIN_MNK);
    expect(sameAsJs(4, 31, 4)).toBe(true);
  });

  it('float64 (and mixed) products always run in gemmJs', () => {
    setGemmBackend('wasm');
    const a = Float64Array.from({ length: 40 * 50 }, rand), b = Float32Array.from({ length: 50 * 30 }, rand);
    const out = new Float64Array(40 * 30), js = new Float64Array(40 * 30);
    gemm(a, 0, b, 0, out, 0, 40, 50, 30, true, false, false);
    gemmJs(a, 0, b, 0, js, 0, 40, 50, 30, true, false, false);
    expect(out).toEqual(js);
  });

  it("setGemmBackend('js') runs float32 products in gemmJs", () => {
    setGemmBackend('js');
    expect(gemmBackend()).toBe('js');
    expect(sameAsJs(32, 64, 32)).toBe(true);
  });

  it('falls back to gemmJs silently without WebAssembly', () => {
    vi.stubGlobal('WebAssembly', undefined);
    resetWasmGemm();
    setGemmBackend('wasm');
    expect(wasmGemmFeature()).toBeNull();
    expect(gemmBackend()).toBe('js');
    expect(sameAsJs(32, 64, 32)).toBe(true);
    check(Float32Array, 33, 65, 17, true, true, true);
  });

  it('falls back to gemmJs silently without WebAssembly SIMD', () => {
    vi.stubGlobal('WebAssembly', { validate: () => false, Module: wasm.Module, Instance: wasm.Instance });
    resetWasmGemm();
    expect(wasmGemmFeature()).toBeNull();
    expect(gemmBackend()).toBe('js');
    expect(sameAsJs(32, 64, 32)).toBe(true);
  });

  it('uses the relaxed-SIMD build where the engine validates it, else the plain SIMD one', () => {
    resetWasmGemm({ relaxedSimd: false });
    expect(wasmGemmFeature()).toBe('simd');
    // Node 20 has relaxed SIMD behind a V8 flag (shipped from V8 11.4 on): turn it on for this test.
    const relaxed = decodeBase64(GEMM_WASM_RELAXED_SIMD);
    const flagged = !wasm.validate(relaxed);
    if (flagged) setFlagsFromString('--experimental-wasm-relaxed-simd');
    try {
      resetWasmGemm();
      expect(wasmGemmFeature()).toBe(wasm.validate(relaxed) ? 'relaxed-simd' : 'simd');
      setGemmBackend('wasm');
      poisonWasm = true;
      for (const [, tA, tB] of LAYOUTS) {
        for (const [m, k, n] of [[5, 7, 3], [37, 300, 70], [3, 300, 1030]] as const) {
          for (const acc of [false, true]) check(Float32Array, m, k, n, tA, tB, acc);
        }
      }
    } finally {
      poisonWasm = false;
      if (flagged) setFlagsFromString('--no-experimental-wasm-relaxed-simd');
    }
  });
});
