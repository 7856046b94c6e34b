import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildElementwiseWasm } from '../../../scripts/build-wasm.mjs';
import { erfScalar, stridedCopy } from '../elementwise';
import { reduceKernel } from '../reduce';
import { adamJs } from '../adam';
import { geluBackwardF32, geluErf32, geluKernel } from '../gelu';
import { layerNormBackward, layerNormBackwardJs, layerNormForward, layerNormForwardJs } from '../layer-norm';
import { softmaxBackward, softmaxBackwardJs, softmaxForward, softmaxForwardJs } from '../softmax';
import {
  adamWasm, binaryWasm, elementwiseBackend, stridedCopyWasm, tanhWasm, fillWasmElementwiseMemory, geluWasm, resetWasmElementwise, setElementwiseBackend,
  wasmElementwiseAvailable,
} from './elementwise';
import { decodeBase64 } from './runtime';
import { ELEMENTWISE_WASM_SIMD } from './elementwise-wasm';

/** Deterministic uniform floats in [lo, hi) (LCG; no dependency on the package RNG). */
function uniform(count: number, lo: number, hi: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  });
}

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>, floor: number): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (!(Number.isNaN(x) && Number.isNaN(y))) return Infinity;
      continue;
    }
    if (x === y) continue;
    e = Math.max(e, Math.abs(x - y) / Math.max(floor, Math.abs(y)));
  }
  return e;
}

afterEach(() => {
  setElementwiseBackend('auto');
  resetWasmElementwise();
});

describe('elementwise-wasm.ts (generated)', () => {
  it('holds exactly what elementwise.wat assembles to (else run `pnpm build:wasm` in packages/core)', async () => {
    const built = await buildElementwiseWasm();
    expect(decodeBase64(ELEMENTWISE_WASM_SIMD)).toEqual(built.simd);
    expect(readFileSync(new URL('./elementwise-wasm.ts', import.meta.url), 'utf8')).toBe(built.source);
  });
});

describe('wasm elementwise kernels', () => {
  it('loads here (Node 20 has WebAssembly SIMD)', () => {
    expect(wasmElementwiseAvailable()).toBe(true);
    expect(elementwiseBackend()).toBe('wasm');
  });

  it('GELU and GELU′: within 2.5e-7·max(1,|x|) of float64, matching the TS kernel, NaN/±∞ as in TS', () => {
    setElementwiseBackend('wasm');
    const edges = [0, -0, 1e-30, -1e-30, 1e-7, -1e-7, 3, -3, 9, -9, 13, -13, 30, -30, 1e4, -1e4, 3e38, -3e38,
      Infinity, -Infinity, NaN];
    const x = Float32Array.from([...edges, ...uniform(4001, -10, 10, 1)]);
    for (const which of [0, 1] as const) {
      const ref = new Float32Array(x.length), js = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) {
        const v = x[i]!;
        const cdf = 0.5 * (1 + erfScalar(v * Math.SQRT1_2));
        ref[i] = which === 0 ? v * cdf : cdf + (v / Math.sqrt(2 * Math.PI)) * Math.exp(-0.5 * v * v);
      }
      geluErf32(x, js, which);
      // odd lengths and offsets: every remainder of n mod 4
      for (const [lo, hi] of [[0, x.length], [1, x.length - 2], [3, 64], [5, 6]] as const) {
        fillWasmElementwiseMemory(NaN);
        const xs = x.subarray(lo, hi), out = new Float32Array(xs.length);
        expect(geluWasm(xs, out, which)).toBe(true);
        for (let i = 0; i < xs.length; i++) {
          const v = xs[i]!, r = ref[lo + i]!, j = js[lo + i]!;
          if (Number.isNaN(j)) {
            expect(out[i], `x=${v}`).toBeNaN();
            continue;
          }
          if (!Number.isFinite(j)) {
            expect(out[i], `x=${v}`).toBe(j);
            continue;
          }
          expect(Math.abs(out[i]! - r), `which=${which} x=${v}`).toBeLessThanOrEqual(2.5e-7 * Math.max(1, Math.abs(v)));
          expect(Math.abs(out[i]! - j), `which=${which} x=${v}`).toBeLessThanOrEqual(4e-7 * Math.max(1, Math.abs(v)));
        }
      }
    }
  });

  it("GELU's fused backward g·gelu′(x) is bitwise gelu′ rounded to float32 times g (wasm and TypeScript)", () => {
    const x = uniform(1003, -8, 8, 3), g = uniform(1003, -2, 2, 4);
    for (const backend of ['wasm', 'js'] as const) {
      setElementwiseBackend(backend);
      const d = new Float32Array(x.length), want = new Float32Array(x.length), got = new Float32Array(x.length);
      geluKernel(x, d, 1, false);
      for (let i = 0; i < x.length; i++) want[i] = g[i]! * d[i]!;
      fillWasmElementwiseMemory(NaN);
      geluBackwardF32(g, x, got);
      expect(got, backend).toEqual(want);
    }
    expect(() => geluWasm(x, new Float32Array(x.length), 2, g.subarray(1))).toThrow(/g has length 1002, x 1003/);
  });

  it('add / sub / mul / div: bitwise float32 arithmetic, for same-size, scalar and repeated-row operands', () => {
    setElementwiseBackend('wasm');
    const specials = [0, -0, 1e-38, -3e38, 3e38, Infinity, -Infinity, NaN, 1, -1];
    for (const size of [1003, 4, 70000, 131072 + 12]) {
      const a = uniform(size, -50, 50, 5), b = uniform(size, -2, 2, 6);
      a.set(specials.slice(0, Math.min(size, specials.length)));
      b.set(specials.slice().reverse().slice(0, Math.min(size, specials.length)));
      const row = size % 12 === 0 ? 12 : 4;
      const bRow = b.subarray(0, row);
      for (const op of ['add', 'sub', 'mul', 'div'] as const) {
        const f = (x: number, y: number): number => Math.fround(op === 'add' ? x + y : op === 'sub' ? x - y : op === 'mul' ? x * y : x / y);
        const cases: [string, Float32Array, Float32Array, number, (i: number) => number][] = [
          ['same size', a, b, 0, (i) => f(a[i]!, b[i]!)],
          ['scalar b', a, b.subarray(1, 2), 0, (i) => f(a[i]!, b[1]!)],
          ['scalar a', a.subarray(2, 3), b, 0, (i) => f(a[2]!, b[i]!)],
          ['row b', a, bRow, row, (i) => f(a[i]!, bRow[i % row]!)],
        ];
        for (const [what, x, y, r, want] of cases) {
          if (what === 'row b' && size % row !== 0) continue;
          fillWasmElementwiseMemory(NaN);
          const out = new Float32Array(size);
          expect(binaryWasm(op, x, y, out, r), `${op} ${what} ${size}`).toBe(true);
          const ref = Float32Array.from({ length: size }, (_, i) => want(i));
          expect(out, `${op} ${what} ${size}`).toEqual(ref);
        }
      }
    }
    // layouts it does not take: the caller's loop runs instead
    const x = uniform(64, -1, 1, 7);
    expect(binaryWasm('add', x, x.subarray(0, 6), new Float32Array(64), 6)).toBe(false); // row not a multiple of 4
    expect(binaryWasm('add', x.subarray(0, 1), x.subarray(0, 1), new Float32Array(64))).toBe(false);
    expect(binaryWasm('add', x, x.subarray(0, 8), new Float32Array(64))).toBe(false); // no row given
  });

  it('column sums and strided copies: bitwise what the TypeScript kernels give', () => {
    const x = uniform(3 * 70001, -3, 3, 8);
    const run = (backend: 'wasm' | 'js', f: () => Float32Array): Float32Array => {
      setElementwiseBackend(backend);
      fillWasmElementwiseMemory(NaN);
      return f();
    };
    // reductions over leading axes (bias gradients): [rows, cols] for odd and even cols, chunked and not
    for (const [rows, cols] of [[512, 64], [7, 3], [3, 70001], [70001, 1], [1000, 129]] as const) {
      const sums = (): Float32Array => {
        const out = new Float32Array(cols);
        reduceKernel('sum', x.subarray(0, rows * cols), [rows, cols], [true, false], out);
        return out;
      };
      expect(run('wasm', sums), `${rows}x${cols}`).toEqual(run('js', sums));
    }
    // permutations and broadcasts of up to 4 axes, from an offset
    const cases: [number[], number[], number][] = [
      [[8, 4, 16, 16], [1024, 16, 64, 1], 0], // [B,T,H,D] → [B,H,T,D]
      [[64, 33], [1, 64], 5], // transpose
      [[3, 5, 7], [0, 7, 1], 2], // broadcast of a leading axis
      [[6, 9], [1, 0], 0], // broadcast along the last axis
      [[2, 3, 4, 5], [60, 20, 5, 1], 11],
    ];
    for (const [shape, strides, offset] of cases) {
      const copy = (): Float32Array => {
        const out = new Float32Array(shape.reduce((p, d) => p * d, 1));
        stridedCopy(x, offset, strides, out, shape);
        return out;
      };
      expect(run('wasm', copy), shape.join('x')).toEqual(run('js', copy));
    }
    setElementwiseBackend('wasm');
    expect(stridedCopyWasm(x, 0, [1, 1, 1, 1, 1], new Float32Array(1), [1, 1, 1, 1, 1])).toBe(false); // 5 axes
  });

  it("Adam's update: bitwise the TypeScript loop, across chunks and for odd lengths", () => {
    setElementwiseBackend('wasm');
    for (const size of [1, 7, 65536 + 3]) {
      const x = uniform(size, -1, 1, 11), g = uniform(size, -1e-2, 1e-2, 12), m = uniform(size, -1e-3, 1e-3, 13);
      const v = uniform(size, 0, 1e-4, 14);
      g[0] = 0;
      const c = { stepSize: 1e-2 / (1 - 0.9 ** 3), biasCorrection2Sqrt: Math.sqrt(1 - 0.98 ** 3), beta2: 0.98, eps: 1e-9, w1: 1 - 0.9, w2: 1 - 0.98 };
      const js = [x, g, m, v].map((a) => a.slice());
      adamJs(js[0]!, js[1]!, js[2]!, js[3]!, c);
      fillWasmElementwiseMemory(NaN);
      expect(adamWasm(x, g, m, v, c)).toBe(true);
      expect([x, m, v], `size ${size}`).toEqual([js[0], js[2], js[3]]);
      expect(g).toEqual(js[1]);
    }
  });

  it('tanh: within 2.5e-7 relative of float64 Math.tanh, edges included', () => {
    setElementwiseBackend('wasm');
    const edges = [0, -0, 1e-30, -1e-30, 1e-4, -1e-4, 0.62499, 0.625, -0.625, 1, -3, 9, 20, 43, 44, 90, -90, 3e38,
      Infinity, -Infinity, NaN];
    const x = Float32Array.from([...edges, ...uniform(4001, -12, 12, 15), ...uniform(1001, -0.7, 0.7, 16)]);
    fillWasmElementwiseMemory(NaN);
    const out = new Float32Array(x.length);
    expect(tanhWasm(x, out)).toBe(true);
    for (let i = 0; i < x.length; i++) {
      const want = Math.tanh(x[i]!);
      if (Number.isNaN(want)) expect(out[i]).toBeNaN();
      else expect(Math.abs(out[i]! - want), `x=${x[i]}`).toBeLessThanOrEqual(2.5e-7 * Math.abs(want) + 1e-45);
    }
    expect(Object.is(out[1], -0)).toBe(true);
  });

  it('GELU in place (x === out) and through geluKernel', () => {
    const x = uniform(1003, -6, 6, 2);
    const want = new Float32Array(x.length);
    geluErf32(x, want, 0);
    const inPlace = x.slice();
    geluKernel(inPlace, inPlace, 0, false);
    expect(maxRelErr(inPlace, want, 1)).toBeLessThan(4e-7);
  });

  it('softmax forward / backward match the TS kernels (n mod 4 = 0..3, −∞ rows, +∞, NaN)', () => {
    setElementwiseBackend('wasm');
    for (const n of [1, 2, 3, 4, 5, 7, 16, 33, 128, 1000]) {
      const rows = n === 1000 ? 70 : 9; // 70 × 1000 > one 65536-float chunk
      const x = uniform(rows * n, -20, 20, n);
      x.fill(-Infinity, 0, n); // fully masked row: NaN
      if (n > 2) {
        x[n + 1] = -Infinity; // partly masked
        x[2 * n] = Infinity; // +∞ max: NaN in the TS kernel too
        x[3 * n + n - 1] = NaN;
        x[4 * n] = 80; // large spread: the others underflow
        x[4 * n + 1] = -80;
      }
      const y = new Float32Array(x.length), want = new Float32Array(x.length);
      fillWasmElementwiseMemory(NaN);
      softmaxForward(x, y, n);
      softmaxForwardJs(x, want, n);
      // relative, down to the smallest outputs: x − max is rounded to float32 (≤ 2^-24·|x − max| ≤ 6e-6 here: max 80)
      expect(maxRelErr(y, want, 1e-30), `n=${n}`).toBeLessThan(7e-6);
      expect(maxRelErr(y, want, 1e-6), `n=${n}`).toBeLessThan(5e-7 * Math.max(1, Math.sqrt(n)));
      for (let j = 0; j < n; j++) expect(y[j]).toBeNaN();

      const g = uniform(rows * n, -1, 1, 7 * n);
      const yy = want.map((v) => (Number.isNaN(v) ? 0.5 : v)); // finite y for the backward
      const dx = new Float32Array(x.length), dxWant = new Float32Array(x.length);
      fillWasmElementwiseMemory(NaN);
      softmaxBackward(g, yy, dx, n);
      softmaxBackwardJs(g, yy, dxWant, n);
      // y·(g − dot) rounds g − dot to float32 (TS: float64): bounded relative to the largest |dx| of the call
      const scale = Math.max(...Array.from(dxWant, Math.abs));
      expect(maxRelErr(dx, dxWant, scale), `n=${n}`).toBeLessThan(4e-7);
    }
  });

  it('LayerNorm forward / backward match the TS kernels, incl. 1e4 + 1e-2·noise rows and missing γ / β', () => {
    setElementwiseBackend('wasm');
    for (const n of [1, 3, 4, 6, 64, 257, 3000]) {
      const rows = n === 3000 ? 25 : 11;
      const x = uniform(rows * n, -3, 3, n);
      for (let i = 0; i < n; i++) x[n + i] = 1e4 + 1e-2 * x[n + i]!; // stability row
      x.fill(0.75, 2 * n, 3 * n); // constant row: x̂ = 0
      const wt = uniform(n, 0.5, 1.5, 3 * n), bs = uniform(n, -1, 1, 5 * n), dy = uniform(rows * n, -1, 1, 9 * n);
      for (const [w, b] of [[wt, bs], [wt, null], [null, bs], [null, null]] as const) {
        const y = new Float32Array(x.length), yJs = new Float32Array(x.length);
        const mean = new Float64Array(rows), rstd = new Float64Array(rows);
        const meanJs = new Float64Array(rows), rstdJs = new Float64Array(rows);
        fillWasmElementwiseMemory(NaN);
        layerNormForward(x, w, b, 1e-5, n, y, mean, rstd);
        layerNormForwardJs(x, w, b, 1e-5, n, yJs, meanJs, rstdJs);
        expect(maxRelErr(mean, meanJs, 1e-3), `n=${n}`).toBeLessThan(1e-12);
        expect(maxRelErr(rstd, rstdJs, 1e-3), `n=${n}`).toBeLessThan(1e-9);
        expect(maxRelErr(y, yJs, 1), `n=${n}`).toBeLessThan(5e-7);

        const dx = new Float32Array(x.length), dxJs = new Float32Array(x.length);
        const dw = uniform(n, -1, 1, 11), db = uniform(n, -1, 1, 13);
        const dw64 = Float64Array.from(dw), db64 = Float64Array.from(db);
        const dwJs = Float64Array.from(dw), dbJs = Float64Array.from(db);
        fillWasmElementwiseMemory(NaN);
        layerNormBackward(dy, x, w, mean, rstd, n, dx, dw64, db64);
        layerNormBackwardJs(dy, x, w, mean, rstd, n, dxJs, dwJs, dbJs);
        const scale = Math.max(...Array.from(dxJs, Math.abs));
        expect(maxRelErr(dx, dxJs, scale), `n=${n}`).toBeLessThan(5e-6);
        expect(maxRelErr(dw64, dwJs, 1), `n=${n}`).toBeLessThan(1e-6);
        expect(maxRelErr(db64, dbJs, 1), `n=${n}`).toBeLessThan(1e-12);
        // no dx, no accumulators
        layerNormBackward(dy, x, w, mean, rstd, n, null, null, null);
      }
    }
  });

  it("'js' forces the TypeScript kernels; 'auto' leaves small calls to them", () => {
    const x = uniform(256, -4, 4, 21);
    const wasmOut = new Float32Array(x.length), jsOut = new Float32Array(x.length), forced = new Float32Array(x.length);
    setElementwiseBackend('wasm');
    geluKernel(x, wasmOut, 0, false);
    geluErf32(x, jsOut, 0);
    setElementwiseBackend('js');
    expect(elementwiseBackend()).toBe('js');
    expect(geluWasm(x, forced, 0)).toBe(false);
    geluKernel(x, forced, 0, false);
    expect(forced).toEqual(jsOut);
    expect(wasmOut).not.toEqual(jsOut); // (f32 vs f64 locals: some last bits differ)
    setElementwiseBackend('auto');
    expect(geluWasm(x.subarray(0, 8), forced, 0)).toBe(false);
    expect(geluWasm(x, forced, 0)).toBe(true);
  });

  it('falls back silently to the TypeScript kernels where WebAssembly is missing', () => {
    resetWasmElementwise();
    vi.stubGlobal('WebAssembly', undefined);
    try {
      expect(wasmElementwiseAvailable()).toBe(false);
      expect(elementwiseBackend()).toBe('js');
      setElementwiseBackend('wasm');
      const x = uniform(300, -4, 4, 5);
      const out = new Float32Array(300), want = new Float32Array(300);
      geluKernel(x, out, 1, false);
      geluErf32(x, want, 1);
      expect(out).toEqual(want);
      const y = new Float32Array(300), yWant = new Float32Array(300);
      softmaxForward(x, y, 30);
      softmaxForwardJs(x, yWant, 30);
      expect(y).toEqual(yWant);
      const mean = new Float64Array(10), rstd = new Float64Array(10), m2 = new Float64Array(10), r2 = new Float64Array(10);
      layerNormForward(x, null, null, 1e-5, 30, y, mean, rstd);
      layerNormForwardJs(x, null, null, 1e-5, 30, yWant, m2, r2);
      expect(y).toEqual(yWant);
    } finally {
      vi.unstubAllGlobals();
      resetWasmElementwise();
    }
    expect(wasmElementwiseAvailable()).toBe(true);
  });
});
