// Node adapter of @lnlab/core's threaded GEMM. Core stays platform-neutral: enableGemmThreads takes a function that
// starts a worker running core's runGemmWorker; this file is that function for Node (worker_threads), with
// gemm-worker-entry.mjs as the worker's script. The workers are unref'd: idle, they block in Atomics.wait and must
// not keep the process alive. A worker's 'error' or 'exit' event is reported to core (which then stops using threads
// rather than wait for it). Usage: `await enableNodeGemmThreads(2)` … `disableGemmThreads()`.
import { Worker } from 'node:worker_threads';
import { enableGemmThreads } from '@lnlab/core';
import type { GemmThreadsOptions, GemmWorkerLike } from '@lnlab/core';

const ENTRY = new URL('./gemm-worker-entry.mjs', import.meta.url);

/**
 * Starts one GEMM worker thread (unref'd). Its errors go to `fail`, never thrown into the main thread. It gets this
 * process's V8/Node flags (workers inherit execArgv: e.g. --experimental-wasm-relaxed-simd must match), minus
 * --input-type, which a worker started from `node -e` would reject.
 */
export function spawnGemmWorker(_index = 0, fail: (reason: string) => void = () => {}): GemmWorkerLike {
  const worker = new Worker(ENTRY, { execArgv: process.execArgv.filter((arg) => !arg.startsWith('--input-type')) });
  worker.unref();
  worker.on('error', (e) => fail(e instanceof Error ? e.message : String(e)));
  worker.on('exit', (code) => fail(`exited (code ${code})`));
  return worker;
}

/** enableGemmThreads with Node worker threads: `threads` in all, the calling thread included. */
export function enableNodeGemmThreads(threads = 2, options: GemmThreadsOptions = {}): Promise<void> {
  return enableGemmThreads(spawnGemmWorker, threads, options);
}
