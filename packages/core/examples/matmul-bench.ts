// Float32 GEMM throughput for the four layouts against a plain i-k-j loop.
// Run: cd packages/core && pnpm exec tsx examples/matmul-bench.ts [sizes...]   (default 128 256 512)
import { gemm } from '../src/kernels/matmul';

/** The textbook i-k-j loop (contiguous inner loop over rows of B and out), the baseline. */
function ikj(a: Float32Array, b: Float32Array, out: Float32Array, m: number, k: number, n: number): void {
  out.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) {
    const o = i * n;
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p]!;
      const bo = p * n;
      for (let j = 0; j < n; j++) out[o + j]! += av * b[bo + j]!;
    }
  }
}

/**
 * Median wall time (ms) of `reps` samples, after warming up for at least `warmMs` (so V8 has optimised the code);
 * each sample repeats the call enough times to last ≥ ~20 ms.
 */
function time(fn: () => void, warmMs = 150, reps = 7): number {
  let calls = 0;
  const w0 = performance.now();
  while (calls < 3 || performance.now() - w0 < warmMs) {
    fn();
    calls++;
  }
  const once = (performance.now() - w0) / calls;
  const inner = Math.max(1, Math.ceil(20 / once));
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const s = performance.now();
    for (let i = 0; i < inner; i++) fn();
    samples.push((performance.now() - s) / inner);
  }
  samples.sort((x, y) => x - y);
  return samples[reps >> 1]!;
}

let seed = 12345;
function fillRandom(arr: Float32Array): Float32Array {
  for (let i = 0; i < arr.length; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    arr[i] = seed / 2 ** 32 - 0.5;
  }
  return arr;
}

const sizes = process.argv.slice(2).map(Number).filter((s) => s > 0);
const layouts: [string, boolean, boolean][] = [['A·B', false, false], ['Aᵀ·B', true, false], ['A·Bᵀ', false, true], ['Aᵀ·Bᵀ', true, true]];
const gflops = (s: number, ms: number): number => (2 * s * s * s) / (ms * 1e6);

console.log(`node ${process.version}, float32, GFLOP/s = 2·m·n·k / median time\n`);
console.log(['size', 'i-k-j baseline', ...layouts.map(([name]) => `gemm ${name}`)].map((h) => h.padStart(16)).join(''));
for (const s of sizes.length > 0 ? sizes : [128, 256, 512]) {
  const a = fillRandom(new Float32Array(s * s));
  const b = fillRandom(new Float32Array(s * s));
  const out = new Float32Array(s * s);
  const base = gflops(s, time(() => ikj(a, b, out, s, s, s)));
  const cells = [`${s}³`.padStart(16), `${base.toFixed(2)}`.padStart(16)];
  for (const [, tA, tB] of layouts) {
    const g = gflops(s, time(() => gemm(a, 0, b, 0, out, 0, s, s, s, tA, tB, false)));
    cells.push(`${g.toFixed(2)} (${(g / base).toFixed(1)}×)`.padStart(16));
  }
  console.log(cells.join(''));
}
