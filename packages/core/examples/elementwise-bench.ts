// Float32 elementwise kernels, TypeScript vs WebAssembly SIMD (src/kernels/wasm/elementwise.ts): GELU and GELU′
// (exact erf) on 131072 floats, softmax forward + backward with rows of 16 and 128 over 1M floats, LayerNorm
// forward + backward on [8192, 256]. Medians of several samples (the machine may be shared and noisy).
// Run: cd packages/core && pnpm exec tsx examples/elementwise-bench.ts
import { geluKernel } from '../src/kernels/gelu';
import { layerNormBackward, layerNormForward } from '../src/kernels/layer-norm';
import { softmaxBackward, softmaxForward } from '../src/kernels/softmax';
import { setElementwiseBackend, wasmElementwiseAvailable } from '../src/kernels/wasm/elementwise';
import type { ElementwiseBackend } from '../src/kernels/wasm/elementwise';

/** Median time (ms) of `reps` samples after ~200 ms of warm-up; each sample repeats fn to last ≥ ~20 ms. */
function time(fn: () => void, warmMs = 200, reps = 9): number {
  let calls = 0;
  const w0 = performance.now();
  while (calls < 3 || performance.now() - w0 < warmMs) {
    fn();
    calls++;
  }
  const inner = Math.max(1, Math.ceil(20 / ((performance.now() - w0) / calls)));
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) fn();
    samples.push((performance.now() - t0) / inner);
  }
  samples.sort((a, b) => a - b);
  return samples[reps >> 1]!;
}

function randn(count: number, scale = 1): Float32Array {
  return Float32Array.from({ length: count }, () => scale * (Math.random() + Math.random() + Math.random() - 1.5) * 2);
}

const backends: ElementwiseBackend[] = wasmElementwiseAvailable() ? ['js', 'wasm'] : ['js'];
const rows: string[][] = [];
function report(name: string, unit: string, f: (b: ElementwiseBackend) => number): void {
  const r = backends.map((b) => {
    setElementwiseBackend(b);
    return f(b);
  });
  const speedup = r.length === 2 ? `${(r[0]! / r[1]!).toFixed(1)}×` : '';
  rows.push([name, ...r.map((v) => `${v.toFixed(unit === 'ms' ? 2 : 2)} ${unit}`), speedup]);
  console.log(rows[rows.length - 1]!.join('\t'));
}

console.log(`backends: ${backends.join(', ')}`);
console.log(['kernel', ...backends, 'speedup'].join('\t'));

const N = 131072;
const gx = randn(N, 3), gy = new Float32Array(N);
report('gelu fwd (131072)', 'ns/el', () => (time(() => geluKernel(gx, gy, 0, false)) * 1e6) / N);
report('gelu grad (131072)', 'ns/el', () => (time(() => geluKernel(gx, gy, 1, false)) * 1e6) / N);

const S = 1 << 20;
const sx = randn(S, 4), sy = new Float32Array(S), sg = randn(S), sdx = new Float32Array(S);
for (const n of [16, 128]) {
  report(`softmax fwd (rows ${n}, 1M)`, 'ns/el', () => (time(() => softmaxForward(sx, sy, n)) * 1e6) / S);
  report(`softmax bwd (rows ${n}, 1M)`, 'ns/el', () => (time(() => softmaxBackward(sg, sy, sdx, n)) * 1e6) / S);
}

const R = 8192, C = 256;
const lx = randn(R * C), lw = randn(C), lb = randn(C), ly = new Float32Array(R * C), ldy = randn(R * C);
const ldx = new Float32Array(R * C), mean = new Float64Array(R), rstd = new Float64Array(R);
const dw = new Float64Array(C), db = new Float64Array(C);
report('layernorm fwd [8192,256]', 'ms', () => time(() => layerNormForward(lx, lw, lb, 1e-5, C, ly, mean, rstd)));
report('layernorm bwd [8192,256]', 'ms', () => time(() => layerNormBackward(ldy, lx, lw, mean, rstd, C, ldx, dw, db)));
report('layernorm fwd+bwd [8192,256]', 'ms', () => time(() => {
  layerNormForward(lx, lw, lb, 1e-5, C, ly, mean, rstd);
  layerNormBackward(ldy, lx, lw, mean, rstd, C, ldx, dw, db);
}));
setElementwiseBackend('auto');
