// jax-js peer: NumPy/JAX-like arrays, jit-compiled to WebAssembly. Node 20 has no global Worker, so its wasm
// backend runs on one thread here.
import type * as JaxNs from '@jax-js/jax';

export type Jax = typeof JaxNs;

let loading: Promise<Jax> | null = null;

export async function loadJax(): Promise<Jax> {
  loading ??= (async () => {
    const jax = await import('@jax-js/jax');
    // Only 'wasm': init() with no argument also probes WebGPU, which reads `navigator` (absent in Node 20).
    const devices = await jax.init('wasm');
    if (!devices.includes('wasm')) throw new Error(`jax-js: the wasm device did not initialise (got ${devices.join(', ') || 'none'})`);
    jax.defaultDevice('wasm');
    return jax;
  })();
  return loading;
}

/** jax-js spreads kernels over Web Workers only where a global `Worker` exists (not in Node 20). */
export function jaxThreads(): number {
  return typeof (globalThis as { Worker?: unknown }).Worker === 'function' ? 0 : 1;
}

type JaxArray = InstanceType<Jax['numpy']['Array']>;

/**
 * Causal attention on [B, T, H, Dh] arrays (jax-js's layout), returning [B, T, H, Dh]. Written with matmul and
 * softmax because jax-js 0.1.25's nn.dotProductAttention goes through einsum, whose parser needs iterator
 * helpers (Iterator.prototype.map: Node ≥ 22) and throws on Node 20. Consumes q, k and v.
 */
export function jaxCausalAttention(jax: Jax, q: JaxArray, k: JaxArray, v: JaxArray): JaxArray {
  const { nn, numpy: np } = jax;
  const [, T, , dh] = q.shape as [number, number, number, number];
  const qh = q.transpose([0, 2, 1, 3]); // [B, H, T, Dh]
  const kt = k.transpose([0, 2, 3, 1]); // [B, H, Dh, T]
  const vh = v.transpose([0, 2, 1, 3]);
  const bias = np.tril(np.ones([T, T])).sub(1).mul(1e9); // 0 on and below the diagonal, −1e9 above
  const scores = np.matmul(qh, kt).mul(1 / Math.sqrt(dh)).add(bias);
  return np.matmul(nn.softmax(scores, -1), vh).transpose([0, 2, 1, 3]);
}
