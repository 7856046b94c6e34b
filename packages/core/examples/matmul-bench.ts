// Float32 GEMM throughput of the two backends (TypeScript and WebAssembly SIMD) in the four layouts, against a plain
// i-k-j loop. Run: cd packages/core && pnpm bench:matmul [sizes...] [--cpu]   (default sizes 128 256 512)
// --cpu times with the process's CPU time instead of wall time: steadier on a machine busy with other work.
import { gemm, setGemmBackend } from '../src/kernels/matmul';
import type { GemmBackend } from '../src/kernels/matmul';
import { wasmGemmFeature } from '../src/kernels/wasm/gemm';

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

const useCpu = process.argv.includes('--cpu');
/** Milliseconds of wall time, or of this process's CPU time with --cpu. */
function now(): number {
  if (!useCpu) return performance.now();
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Median time (ms) of `reps` samples, after warming up for at least `warmMs` (so V8 has optimised the code);
 * each sample repeats the call enough times to last ≥ ~20 ms.
 */
function time(fn: () => void, warmMs = 300, reps = 7): number {
  let calls = 0;
  const w0 = now();
  while (calls < 3 || now() - w0 < warmMs) {
    fn();
    calls++;
  }
  const once = (now() - w0) / calls;
  const inner = Math.max(1, Math.ceil(20 / once));
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const s = now();
    for (let i = 0; i < inner; i++) fn();
    samples.push((now() - s) / inner);
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
const cell = (text: string, width = 10): string => text.padStart(width);

console.log(`node ${process.version}, float32, wasm build: ${wasmGemmFeature() ?? 'unavailable'}`);
console.log(`GFLOP/s = 2·m·n·k / median ${useCpu ? 'CPU' : 'wall'} time of 7 samples; ratios of GFLOP/s\n`);
console.log(['size', 'layout', 'i-k-j', 'js', 'wasm', 'wasm/js', 'wasm/ikj'].map((h, i) => cell(h, i < 2 ? 8 : 10)).join(''));
for (const s of sizes.length > 0 ? sizes : [128, 256, 512]) {
  const a = fillRandom(new Float32Array(s * s));
  const b = fillRandom(new Float32Array(s * s));
  const out = new Float32Array(s * s);
  const base = gflops(s, time(() => ikj(a, b, out, s, s, s)));
  for (const [name, tA, tB] of layouts) {
    const rate = (backend: GemmBackend): number => {
      setGemmBackend(backend);
      return gflops(s, time(() => gemm(a, 0, b, 0, out, 0, s, s, s, tA, tB, false)));
    };
    const js = rate('js'), wasm = rate('wasm');
    const first = name === 'A·B';
    console.log([
      cell(first ? `${s}³` : '', 8), cell(name, 8), cell(first ? base.toFixed(2) : ''), cell(js.toFixed(2)), cell(wasm.toFixed(2)),
      cell(`${(wasm / js).toFixed(1)}×`), cell(`${(wasm / base).toFixed(1)}×`),
    ].join(''));
  }
}
setGemmBackend('auto');
