import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { gemm, gemmReference } from '../matmul';
import { gemmWasm } from './gemm';
import { GEMM_THREADS_MIN_MNK, disableGemmThreads, enableGemmThreads, gemmThreaded, gemmThreads, runGemmWorker } from './gemm-threads';
import type { GemmWorkerLike } from './gemm-threads';

// Real worker threads (Node's worker_threads, through a tsx-registering entry): the protocol, the shared memory and
// the split are exercised exactly as in an application.
const spawned: Worker[] = [];
function spawn(): GemmWorkerLike {
  const worker = new Worker(new URL('./gemm-threads.test-worker.mjs', import.meta.url));
  worker.unref();
  worker.on('error', (e) => console.error('gemm test worker:', e));
  spawned.push(worker);
  return worker;
}

function uniform(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

/** Index of the first element whose bits differ (NaN payloads and ±0 included), or -1 if x and y are bitwise equal. */
function firstDiff(x: Float32Array, y: Float32Array): number {
  if (x.length !== y.length) return Math.min(x.length, y.length);
  const u = new Uint32Array(x.buffer, x.byteOffset, x.length), v = new Uint32Array(y.buffer, y.byteOffset, y.length);
  for (let i = 0; i < u.length; i++) if (u[i] !== v[i]) return i;
  return -1;
}

interface Case { m: number; k: number; n: number; transA: boolean; transB: boolean; accumulate: boolean }

/** The product with a guard band around each operand: offsets ≠ 0, and out's untouched neighbours are checked. */
function operands({ m, k, n }: Case, seed: number) {
  const pad = 3;
  return { pad, a: uniform(m * k + 2 * pad, seed), b: uniform(k * n + 2 * pad, seed + 1), out: uniform(m * n + 2 * pad, seed + 2) };
}

describe('gemm on 2 threads (WebAssembly, shared memory, worker_threads)', () => {
  beforeAll(async () => {
    await enableGemmThreads(spawn, 2);
  });
  afterAll(() => {
    disableGemmThreads();
  });

  // Column splits (n ≥ m) and row splits (m > n); odd sizes with partial micro-tiles at the split and the edges;
  // k > 256 (several k-slices, the later ones adding onto C); n > 1024 (several column blocks per thread).
  const shapes: [number, number, number][] = [[131, 67, 259], [259, 301, 129], [200, 513, 23], [5, 300, 2051], [128, 128, 128]];
  const cases: Case[] = shapes.flatMap(([m, k, n]) => [false, true].flatMap((transA) => [false, true].flatMap((transB) =>
    [false, true].map((accumulate) => ({ m, k, n, transA, transB, accumulate })))));

  it('is bitwise the 1-thread kernel: 4 layouts × accumulate on/off × 5 odd shapes', () => {
    expect(gemmThreads()).toBe(2);
    let seed = 1;
    for (const c of cases) {
      const { m, k, n, transA, transB, accumulate } = c;
      expect(m * k * n).toBeGreaterThanOrEqual(GEMM_THREADS_MIN_MNK);
      const { pad, a, b, out } = operands(c, (seed += 10));
      const one = out.slice();
      expect(gemmWasm(a, pad, b, pad, one, pad, m, k, n, transA, transB, accumulate)).toBe(true);
      const two = out.slice();
      expect(gemmThreaded(a, pad, b, pad, two, pad, m, k, n, transA, transB, accumulate), JSON.stringify(c)).toBe(true);
      expect(firstDiff(two, one), JSON.stringify(c)).toBe(-1);
      // and gemm() itself takes the threaded path (same bits, guard band untouched)
      const viaGemm = out.slice();
      gemm(a, pad, b, pad, viaGemm, pad, m, k, n, transA, transB, accumulate);
      expect(firstDiff(viaGemm, one), JSON.stringify(c)).toBe(-1);
    }
  });

  it('is bitwise the 1-thread kernel on 3 threads too (3 chunks, two workers racing for them)', async () => {
    await enableGemmThreads(spawn, 3);
    try {
      expect(gemmThreads()).toBe(3);
      for (const c of cases.filter((x) => x.m === 259 || x.n === 2051)) {
        const { m, k, n, transA, transB, accumulate } = c;
        const { pad, a, b, out } = operands(c, 99);
        const one = out.slice(), three = out.slice();
        gemmWasm(a, pad, b, pad, one, pad, m, k, n, transA, transB, accumulate);
        expect(gemmThreaded(a, pad, b, pad, three, pad, m, k, n, transA, transB, accumulate), JSON.stringify(c)).toBe(true);
        expect(firstDiff(three, one), JSON.stringify(c)).toBe(-1);
      }
    } finally {
      await enableGemmThreads(spawn, 2); // back to the suite's setting
    }
  });

  it('computes the product (against the float64 reference, float32 rounding only)', () => {
    const c: Case = { m: 131, k: 301, n: 259, transA: true, transB: true, accumulate: true };
    const { pad, a, b, out } = operands(c, 7);
    const got = out.slice();
    expect(gemmThreaded(a, pad, b, pad, got, pad, c.m, c.k, c.n, c.transA, c.transB, c.accumulate)).toBe(true);
    const want = Float64Array.from(out);
    gemmReference(Float64Array.from(a), pad, Float64Array.from(b), pad, want, pad, c.m, c.k, c.n, c.transA, c.transB, c.accumulate);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    expect(worst).toBeLessThan(1e-4); // |terms| ≤ 0.25, k = 301: float32 sums are good to ~1e-5
    expect(got[0]).toBe(out[0]); // guard band
    expect(got[got.length - 1]).toBe(out[out.length - 1]);
  });

  it('declines products below GEMM_THREADS_MIN_MNK or too thin to split (the caller runs 1 thread)', () => {
    const a = uniform(64 * 64, 1), b = uniform(64 * 64, 2), out = new Float32Array(64 * 64);
    expect(gemmThreaded(a, 0, b, 0, out, 0, 64, 64, 64, false, false, false)).toBe(false);
    const x = uniform(4 * 4096, 3), y = uniform(4096 * 7, 4), z = new Float32Array(4 * 7); // m 4, n 7: < 2 micro-tiles
    expect(gemmThreaded(x, 0, y, 0, z, 0, 4, 4096, 7, false, false, false)).toBe(false);
    expect(z.every((v) => v === 0)).toBe(true);
  });
});

describe('gemm threads: setup and failures', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(() => {
    disableGemmThreads();
  });

  it('a worker that dies turns threads off after the timeout and the product is still right', async () => {
    await enableGemmThreads(spawn, 2, { timeoutMs: 150 });
    expect(gemmThreads()).toBe(2);
    await spawned[spawned.length - 1]!.terminate(); // the worker is gone; the main thread does not know
    const m = 130, k = 140, n = 150;
    const a = uniform(m * k, 5), b = uniform(k * n, 6);
    const one = new Float32Array(m * n), two = new Float32Array(m * n);
    gemmWasm(a, 0, b, 0, one, 0, m, k, n, false, true, false);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const t0 = performance.now();
    expect(gemmThreaded(a, 0, b, 0, two, 0, m, k, n, false, true, false)).toBe(false); // gave up: out untouched
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(two.every((v) => v === 0)).toBe(true);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/worker 0 did not finish its part within 150 ms.*threads turned off/);
    expect(gemmThreads()).toBe(1);
    gemm(a, 0, b, 0, two, 0, m, k, n, false, true, false); // gemm() falls back to the 1-thread kernel
    expect(firstDiff(two, one)).toBe(-1);
  });

  it('a worker reported lost by its spawner: enabling fails at once, or the next product runs on 1 thread', async () => {
    const t0 = performance.now();
    const broken = (_: number, fail: (reason: string) => void): GemmWorkerLike => ({ postMessage: () => fail('no such script'), terminate: () => {} });
    await expect(enableGemmThreads(broken, 2)).rejects.toThrow(/worker 0: no such script/);
    expect(performance.now() - t0).toBeLessThan(1000); // not the 30 s readyTimeoutMs
    expect(gemmThreads()).toBe(1);

    let report: (reason: string) => void = () => {};
    await enableGemmThreads((i, fail) => {
      report = fail;
      return spawn();
    }, 2);
    report('exited (code 1)');
    const m = 128, k = 128, n = 128, a = uniform(m * k, 8), b = uniform(k * n, 9), out = new Float32Array(m * n);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(gemmThreaded(a, 0, b, 0, out, 0, m, k, n, false, false, false)).toBe(false);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/worker 0: exited \(code 1\); threads turned off/);
    expect(gemmThreads()).toBe(1);
  });

  it('enableGemmThreads rejects bad thread counts and workers that never start; 1 thread = off', async () => {
    await expect(enableGemmThreads(spawn, 0)).rejects.toThrow(/threads must be an integer in \[1, 64\], got 0/);
    await expect(enableGemmThreads(spawn, 2.5)).rejects.toThrow(RangeError);
    const silent: GemmWorkerLike = { postMessage: () => {}, terminate: () => {} };
    await expect(enableGemmThreads(() => silent, 3, { readyTimeoutMs: 30 })).rejects.toThrow(/workers did not start within 30 ms/);
    expect(gemmThreads()).toBe(1);
    await enableGemmThreads(spawn, 1);
    expect(gemmThreads()).toBe(1);
  });

  it('runGemmWorker refuses a message that is not its init', () => {
    expect(() => runGemmWorker({ kind: 'something else' })).toThrow(/not a GemmWorkerInit/);
    expect(() => runGemmWorker(null)).toThrow(TypeError);
  });
});
