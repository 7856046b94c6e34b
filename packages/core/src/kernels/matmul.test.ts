import { describe, expect, it } from 'vitest';
import { gemm, gemmBatched, gemmReference } from './matmul';
import type { FloatArray } from './matmul';

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

/**
 * Runs gemm with non-zero offsets (operand padding is NaN, so any stray read poisons the result; out's padding
 * must survive) and checks every element against gemmReference within tol·(|op(A)|·|op(B)| + |out₀|), the
 * standard error bound of a summation. For accumulate=false, out starts as NaN, so it must be overwritten.
 */
function check(C: Ctor, m: number, k: number, n: number, transA: boolean, transB: boolean, accumulate: boolean, seed = 1): void {
  const rand = lcg(seed + 7919 * m + 131 * k + n);
  const pa = 3, pb = 5, po = 2;
  const a = padded(C, m * k, pa, rand, NaN);
  const b = padded(C, k * n, pb, rand, NaN);
  const out = padded(C, m * n, po, accumulate ? rand : () => NaN, 777);
  const init = Float64Array.from(out.subarray(po, po + m * n));

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

describe('gemm', () => {
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

describe('gemmBatched', () => {
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
