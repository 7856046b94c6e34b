// TensorFlow.js peers: tfjs-core with the cpu backend (plain JS) and the wasm backend (XNNPACK, SIMD).
// Loaded lazily, so a run without tfjs peers (or the tests) never pays for importing it.
import { register } from 'node:module';
import type * as TfCore from '@tensorflow/tfjs-core';

export type Tf = typeof TfCore;
export type TfTensor = TfCore.Tensor;
export type TfScalar = TfCore.Scalar;
export type TfVariable = TfCore.Variable;
export type TfjsBackend = 'cpu' | 'wasm';

let loading: Promise<Tf> | null = null;

/** Runs `fn` with tfjs's "you are running TensorFlow.js in Node.js" banner filtered out of console.warn. */
async function withoutBanner<T>(fn: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('TensorFlow.js in Node.js')) return;
    warn(...args);
  };
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}

export async function loadTfjs(): Promise<Tf> {
  loading ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    await import('@tensorflow/tfjs-backend-wasm');
    // tfjs-core alone registers no gradients (the @tensorflow/tfjs umbrella bundles them). Its own registration
    // module is an ES-module graph Node cannot resolve unaided: the hook below fixes that one pattern.
    register('./tfjs-esm-hook.mjs', import.meta.url);
    await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
    tf.enableProdMode(); // what a performance-minded user does: skips debug-only checks
    return tf;
  })();
  return loading;
}

/** Switches tfjs to `backend` (initialising it on first use) and returns the tf namespace. */
export async function useTfjs(backend: TfjsBackend): Promise<Tf> {
  const tf = await loadTfjs();
  const done = await withoutBanner(() => tf.setBackend(backend));
  await tf.ready();
  if (!done || tf.getBackend() !== backend) throw new Error(`tfjs: the ${backend} backend did not initialise`);
  return tf;
}

export interface TfjsWasmInfo {
  simd: boolean;
  multithreadSupport: boolean;
  threads: number;
}

/** What the wasm backend runs with here. tfjs hard-wires WASM_HAS_MULTITHREAD_SUPPORT to false under Node. */
export async function tfjsWasmInfo(): Promise<TfjsWasmInfo> {
  const tf = await useTfjs('wasm');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const multithreadSupport = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
  return { simd, multithreadSupport, threads: wasm.getThreadsCount() };
}
