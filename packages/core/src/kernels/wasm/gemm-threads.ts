// Multi-threaded float32 GEMM: gemm.wat's kernel run at once by the calling thread and its workers, on one shared
// WebAssembly.Memory, behind the same synchronous `gemm()`.
//
// Platform-neutral: only standard globals (WebAssembly, SharedArrayBuffer, Atomics, performance, setTimeout), never
// node:worker_threads. Whoever enables threads supplies the workers: `enableGemmThreads(spawn, threads)` calls
// `spawn(i, fail)` for each of threads − 1 workers; spawn starts a worker (Node worker_threads, a browser Worker…) whose
// only job is to pass its first message to `runGemmWorker`, and returns a handle with postMessage / terminate (see
// apps/bench/src/gemm-threads-node.ts and gemm-worker-entry.mjs for Node). The first message carries the compiled
// shared-memory module (gemm-wasm.ts's *_SHARED builds), the shared memory and a shared control array.
//
// Protocol (a shared control Int32Array: a job header, then one 128-byte slot per worker): the worker instantiates the
// module on the shared memory, sets its STATE = READY, then waits on its SEQ. For a product, the calling thread
// copies A, B (and C when accumulating) into the shared memory, writes the job into the header, bumps each worker's
// SEQ and Atomics.notify's it, takes part itself, then waits for each worker's DONE (= SEQ when finished) and copies
// C out. SEQ = −1 tells a worker to return. Blocking the calling thread is what keeps gemm() synchronous:
// Node allows Atomics.wait on its main thread, but browsers forbid it on theirs, so in a browser threads are usable
// only from a worker (enableGemmThreads checks and throws).
//
// The split: C is cut into chunks of whole columns (n ≥ m; a multiple of NR = 8 wide) or rows (a multiple of MR = 4),
// CHUNKS_PER_THREAD per thread, and the threads take chunks from a shared counter (Atomics.add) until none are left,
// so a chunk that a late worker has not started is done by whoever is free. Each chunk is the ordinary kernel on a
// block of C with the thread's own scratch (tile, packed A, packed B) and the same kcStep as the 1-thread path; since
// a C element's sum depends only on kcStep, the result is bitwise the 1-thread kernel's whoever computed which chunk.
// Below GEMM_THREADS_MIN_MNK, with no ready worker, when the product does not fit the shared memory (1 GiB, reserved
// at creation: workers cannot follow a reallocation; it grows within that, and only the calling thread's view needs
// renewing) or when the 1-thread path uses another build (relaxed vs plain SIMD), gemmThreaded declines and the
// caller uses the 1-thread kernel.
//
// Failure: a worker reported lost by the spawner (its `fail` callback: an error or exit event), one that does not
// answer within max(timeoutMs, 20 × the calling thread's own compute time), or one whose kernel threw, turns
// threads off (all workers are told to exit and terminated, the shared memory is dropped, a warning is printed) and
// that product is recomputed on the 1-thread path, whose memory is separate: a late write by a stuck worker can only
// reach the abandoned shared memory. `out` is written only after every chunk is done.
import { GEMM_SHARED_MAX_PAGES, GEMM_WASM_RELAXED_SIMD_SHARED, GEMM_WASM_SIMD_SHARED } from './gemm-wasm';
import { KC, MC, MR, NC, NR, blockSize, wasmGemmFeature } from './gemm';
import type { GemmExport, WasmGemmFeature } from './gemm';
import { align64, decodeBase64, growMemory } from './runtime';
import type { WasmMemory } from './runtime';

/**
 * Smallest m·k·n run on several threads. Below it the hand-off (~10-20 µs with spinning, tens more when a thread
 * must be woken) and the duplicated packing eat the gain. Measured on a 2-core x64 VM (quiet), 2 threads against 1:
 * 96³ ~1.35×, 128³ ~1.5×, 256³ ~1.6-1.75×, 512³ ~1.8× (noisy below 128³, hence the margin).
 */
export const GEMM_THREADS_MIN_MNK = 128 ** 3;

/** What a spawned worker must be: enough to hand it its first message and to stop it. */
export interface GemmWorkerLike {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

/**
 * Starts the i-th worker (i = 0 … threads − 2); the worker passes its first message to runGemmWorker. The spawner
 * should call `fail(reason)` if the worker reports an error or exits (e.g. Node's 'error' / 'exit' events, a
 * browser Worker's onerror): enabling then rejects at once instead of waiting out readyTimeoutMs, and the next
 * product turns threads off and runs on one thread (a crash during a product, while the calling thread is blocked
 * and cannot see events, costs the timeout instead).
 */
export type GemmWorkerSpawn = (index: number, fail: (reason: string) => void) => GemmWorkerLike;

export interface GemmThreadsOptions {
  /** How long to wait for the workers to start (compile, instantiate) before giving up (ms, default 30,000). */
  readyTimeoutMs?: number;
  /** Least time a product waits for a worker before declaring it lost (ms, default 2,000; see the header). */
  timeoutMs?: number;
}

/** The first message to a worker (structured-clonable: a WebAssembly.Module, shared memory and buffer). */
export interface GemmWorkerInit {
  readonly kind: 'lnlab-gemm-worker';
  /** The compiled shared-memory build (a WebAssembly.Module). */
  readonly module: object;
  /** The WebAssembly.Memory({ shared: true }) it imports as env.memory. */
  readonly memory: WasmMemory;
  readonly control: SharedArrayBuffer;
  /** This worker's slot in `control`. */
  readonly slot: number;
}

/** The WebAssembly JS API as used here: instantiation with imports and shared memories. */
interface WebAssemblyThreadsApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}

/**
 * The control array: the job header in [0, SLOT), worker w's slot in [(w + 1)·SLOT, (w + 2)·SLOT) (128 bytes each:
 * no false sharing). The header, written by the calling thread before it bumps the SEQs: the chunk counter, then
 * the product (addresses in bytes, strides in elements, as $gemm takes them) and its chunking.
 */
const SLOT = 32;
const NEXT = 0; // the next chunk to take (Atomics.add)
const J_A = 1, J_AROW = 2, J_AK = 3, J_B = 4, J_BK = 5, J_BCOL = 6, J_C = 7, J_M = 8, J_K = 9, J_N = 10;
const J_ACC = 11, J_KC = 12, J_BYCOLS = 13, J_CHUNK = 14, J_CHUNKS = 15;
/** A worker's slot. */
const SEQ = 0; // written by the calling thread: the job number (≥ 1), or EXIT
const DONE = 1; // written by the worker: the last job number it finished
const STATE = 2; // written by the worker: 0 while starting, then READY or FAILED; EXITED at the end
const STATUS = 3; // written by the worker: 0 if its chunks' kernels returned, 1 if one threw
const EXIT = -1;
const READY = 1;
const FAILED = 2;
const EXITED = 3;

/** Per-thread scratch: the 4×8 edge tile, a packed A block (≤ MC·KC floats) and a packed B block (≤ NC·KC floats). */
const TILE_BYTES = align64(4 * MR * NR);
const PACK_A_BYTES = 4 * MC * KC;
const SCRATCH_BYTES = align64(TILE_BYTES + PACK_A_BYTES + 4 * NC * KC);
const PAGE = 65536;
/**
 * Spinning before blocking. Waking a thread blocked in Atomics.wait costs both sides ~5-80 µs here (a futex wake,
 * an inter-processor interrupt on a VM), as much as the arithmetic of a 128³ product. So a worker polls for its next
 * job for WORKER_SPIN_MS after each one (back-to-back products, as in training, then never block), and the calling
 * thread polls for the workers' DONE for up to MAIN_SPIN_MS (they usually finish within µs of it) before blocking.
 * But where another process keeps a core busy, the calling thread and a worker share one core and a spinning thread
 * steals it from the one it waits for (measured: 256³ on 2 threads at 0.6× one thread, against 1.1× without
 * spinning). A poll loop that sees a gap of PREEMPTED_MS between two polls was descheduled: that thread then blocks
 * at once, without spinning, for SPIN_OFF_MS.
 */
const MAIN_SPIN_MS = 0.25;
const WORKER_SPIN_MS = 0.5;
const PREEMPTED_MS = 0.2;
const SPIN_OFF_MS = 1000;
/**
 * Chunks per thread. More balance the load when a thread runs slow, but each chunk re-packs the whole of the operand
 * it does not split: at 512³ on 2 threads, 4 per thread measured ~5% slower than 1 on a quiet machine. With 1, a
 * worker that is late still leaves its chunk to the calling thread.
 */
const CHUNKS_PER_THREAD = 1;
/** Narrowest chunk, in columns or rows of C (a multiple of NR and MR). */
const MIN_CHUNK = 32;
const MAX_BYTES = GEMM_SHARED_MAX_PAGES * PAGE;

interface Pool {
  readonly feature: WasmGemmFeature;
  readonly memory: WasmMemory;
  readonly gemm: GemmExport;
  readonly control: Int32Array;
  readonly workers: GemmWorkerLike[];
  readonly timeoutMs: number;
  /** View of memory.buffer, renewed after each grow. */
  f32: Float32Array;
  /** Last job number handed out. */
  seq: number;
  /** Why a worker was reported lost (GemmWorkerSpawn's `fail`), if one was. */
  failure: string | null;
}

let pool: Pool | null = null;

function api(): WebAssemblyThreadsApi | undefined {
  return (globalThis as { WebAssembly?: WebAssemblyThreadsApi }).WebAssembly;
}

/** Threads `gemm` uses for large float32 products: 1 + the number of workers, or 1 while threads are off. */
export function gemmThreads(): number {
  return pool === null ? 1 : 1 + pool.workers.length;
}

/**
 * Makes large float32 products (≥ GEMM_THREADS_MIN_MNK multiply-adds, on the WebAssembly backend) run on `threads`
 * threads: the calling thread and threads − 1 workers started with `spawn` (see the header). Resolves once every
 * worker is ready; rejects, leaving threads off, where shared memory, WebAssembly SIMD or blocking waits
 * (Atomics.wait: not on a browser's main thread) are unavailable, or a worker fails to start. `threads` = 1 is
 * disableGemmThreads(). Calling it again replaces the workers.
 */
export async function enableGemmThreads(spawn: GemmWorkerSpawn, threads: number, options: GemmThreadsOptions = {}): Promise<void> {
  disableGemmThreads();
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new RangeError(`enableGemmThreads: threads must be an integer in [1, 64], got ${threads}`);
  }
  if (threads === 1) return;
  const wasm = api();
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object' || typeof wasm?.Memory !== 'function') {
    throw new Error('enableGemmThreads: SharedArrayBuffer or WebAssembly is unavailable here (browsers need cross-origin isolation)');
  }
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0); // value ≠ 1: returns at once, unless forbidden
  } catch {
    throw new Error('enableGemmThreads: this thread may not block in Atomics.wait (a browser main thread): enable GEMM threads from a worker');
  }
  const feature = wasmGemmFeature();
  if (feature === null) throw new Error('enableGemmThreads: the WebAssembly SIMD GEMM is unavailable here');
  const bytes = decodeBase64(feature === 'relaxed-simd' ? GEMM_WASM_RELAXED_SIMD_SHARED : GEMM_WASM_SIMD_SHARED);
  if (!wasm.validate(bytes)) throw new Error('enableGemmThreads: this engine rejects the shared-memory (threads) GEMM module');
  const module = new wasm.Module(bytes);
  const initialPages = Math.ceil((64 + threads * SCRATCH_BYTES) / PAGE) + 1;
  const memory = new wasm.Memory({ initial: initialPages, maximum: GEMM_SHARED_MAX_PAGES, shared: true });
  const gemm = new wasm.Instance(module, { env: { memory } }).exports['gemm'] as GemmExport;
  const control = new Int32Array(new SharedArrayBuffer(4 * SLOT * threads));
  const p: Pool = {
    feature, memory, gemm, control, workers: [], timeoutMs: options.timeoutMs ?? 2000,
    f32: new Float32Array(memory.buffer), seq: 0, failure: null,
  };
  pool = p;
  try {
    for (let i = 0; i < threads - 1; i++) {
      const worker = spawn(i, (reason) => {
        p.failure ??= `worker ${i}: ${reason}`;
      });
      p.workers.push(worker);
      const init: GemmWorkerInit = { kind: 'lnlab-gemm-worker', module, memory, control: control.buffer as SharedArrayBuffer, slot: i };
      worker.postMessage(init);
    }
    await whenReady(p, options.readyTimeoutMs ?? 30_000);
  } catch (e) {
    if (pool === p) disableGemmThreads();
    throw e;
  }
}

/** Resolves when every worker of `p` is READY; throws if one FAILED, or on timeout, or if `p` was replaced. */
async function whenReady(p: Pool, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (pool !== p) throw new Error('enableGemmThreads: disabled while the workers were starting');
    if (p.failure !== null) throw new Error(`enableGemmThreads: ${p.failure}`);
    const states = p.workers.map((_, i) => Atomics.load(p.control, (i + 1) * SLOT + STATE));
    const failed = states.indexOf(FAILED);
    if (failed >= 0) throw new Error(`enableGemmThreads: worker ${failed} failed to instantiate the module (see its console)`);
    if (states.every((s) => s === READY)) return;
    if (Date.now() > deadline) throw new Error(`enableGemmThreads: the workers did not start within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Stops the workers (they are told to exit, then terminated) and returns gemm to one thread. */
export function disableGemmThreads(): void {
  const p = pool;
  if (p === null) return;
  pool = null;
  p.workers.forEach((worker, i) => {
    Atomics.store(p.control, (i + 1) * SLOT + SEQ, EXIT);
    Atomics.notify(p.control, (i + 1) * SLOT + SEQ);
    try {
      worker.terminate();
    } catch {
      // already gone
    }
  });
}

/** Turns threads off after a worker failure; the caller recomputes the product on one thread. */
function lose(p: Pool, reason: string): void {
  if (pool === p) disableGemmThreads();
  console.warn(`@lnlab/core gemm: ${reason}; threads turned off, products run on 1 thread (enableGemmThreads to retry)`);
}

/**
 * out[m×n] (+)= op(A)·op(B) like gemmWasm (arguments validated, m, k, n ≥ 1), split over the enabled threads.
 * Returns false, having done nothing to `out`, where threads are off or not worth it (see the header): the caller
 * then runs the 1-thread kernel. The result is bitwise the 1-thread WebAssembly kernel's.
 */
export function gemmThreaded(
  a: Float32Array, aOff: number, b: Float32Array, bOff: number, out: Float32Array, outOff: number,
  m: number, k: number, n: number, transA: boolean, transB: boolean, accumulate: boolean,
): boolean {
  const p = pool;
  if (p === null || m * k * n < GEMM_THREADS_MIN_MNK || wasmGemmFeature() !== p.feature) return false;
  if (p.failure !== null) {
    lose(p, p.failure);
    return false;
  }
  const ctl = p.control;
  const ready: number[] = [];
  for (let w = 0; w < p.workers.length; w++) if (Atomics.load(ctl, (w + 1) * SLOT + STATE) === READY) ready.push(w);
  const threads = 1 + ready.length, byCols = n >= m;
  const len = byCols ? n : m, unit = byCols ? NR : MR;
  const chunk = Math.max(MIN_CHUNK, Math.ceil(len / unit / (CHUNKS_PER_THREAD * threads)) * unit);
  const chunks = Math.ceil(len / chunk);
  if (threads < 2 || chunks < 2) return false;

  // Layout (bytes): [0, 64) unused · scratch of thread t at 64 + t·SCRATCH_BYTES (t = 0: the calling thread) · A · B · C
  const aPtr = align64(64 + (1 + p.workers.length) * SCRATCH_BYTES), bPtr = align64(aPtr + 4 * m * k), cPtr = align64(bPtr + 4 * k * n);
  const end = cPtr + 4 * m * n;
  if (end > p.memory.buffer.byteLength) {
    if (!growMemory(p.memory, end, MAX_BYTES)) return false;
    p.f32 = new Float32Array(p.memory.buffer); // a shared memory grows in place; only this view must be renewed
  }
  const f32 = p.f32, size = m * n;
  f32.set(a.subarray(aOff, aOff + m * k), aPtr >> 2);
  f32.set(b.subarray(bOff, bOff + k * n), bPtr >> 2);
  if (accumulate) f32.set(out.subarray(outOff, outOff + size), cPtr >> 2);

  // op(A)[i, p] = A[i·aRow + p·aK];  op(B)[p, j] = B[p·bK + j·bCol];  C[i, j] = C[i·n + j]
  ctl[J_A] = aPtr; ctl[J_AROW] = transA ? 1 : k; ctl[J_AK] = transA ? m : 1;
  ctl[J_B] = bPtr; ctl[J_BK] = transB ? 1 : n; ctl[J_BCOL] = transB ? k : 1;
  ctl[J_C] = cPtr; ctl[J_M] = m; ctl[J_K] = k; ctl[J_N] = n; ctl[J_ACC] = accumulate ? 1 : 0;
  ctl[J_KC] = blockSize(k, KC, 1); ctl[J_BYCOLS] = byCols ? 1 : 0; ctl[J_CHUNK] = chunk; ctl[J_CHUNKS] = chunks;
  Atomics.store(ctl, NEXT, 0);
  const seq = p.seq = p.seq >= 0x7ffffff0 ? 1 : p.seq + 1;
  for (const w of ready) {
    Atomics.store(ctl, (w + 1) * SLOT + SEQ, seq); // publishes the job and the operands written above
    Atomics.notify(ctl, (w + 1) * SLOT + SEQ);
  }
  const t0 = Date.now();
  try {
    runChunks(p.gemm, ctl, 0);
  } catch (e) {
    lose(p, 'the calling thread\'s kernel threw');
    throw e;
  }
  const waitMs = Math.max(p.timeoutMs, 20 * (Date.now() - t0)), deadline = Date.now() + waitMs;
  for (const w of ready) {
    const base = (w + 1) * SLOT;
    const before = Atomics.load(ctl, base + DONE);
    if (before !== seq) spinWhile(ctl, base + DONE, before, MAIN_SPIN_MS);
    for (let done = Atomics.load(ctl, base + DONE); done !== seq; done = Atomics.load(ctl, base + DONE)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        lose(p, `worker ${w} did not finish its part within ${waitMs} ms (crashed or stopped?)`);
        return false;
      }
      Atomics.wait(ctl, base + DONE, done, left);
    }
    if (Atomics.load(ctl, base + STATUS) !== 0) {
      lose(p, `worker ${w}'s kernel threw (see its console)`);
      return false;
    }
  }
  out.set(f32.subarray(cPtr >> 2, (cPtr >> 2) + size), outOff);
  return true;
}

/** Takes chunks of the job in ctl's header until none is left, computing each with thread `t`'s scratch. */
function runChunks(gemm: GemmExport, ctl: Int32Array, t: number): void {
  const a = ctl[J_A]!, aRow = ctl[J_AROW]!, aK = ctl[J_AK]!, b = ctl[J_B]!, bK = ctl[J_BK]!, bCol = ctl[J_BCOL]!;
  const c = ctl[J_C]!, m = ctl[J_M]!, k = ctl[J_K]!, n = ctl[J_N]!, acc = ctl[J_ACC]!, kcStep = ctl[J_KC]!;
  const byCols = ctl[J_BYCOLS] === 1, chunk = ctl[J_CHUNK]!, chunks = ctl[J_CHUNKS]!;
  const tile = 64 + t * SCRATCH_BYTES, packA = tile + TILE_BYTES, packB = packA + PACK_A_BYTES;
  for (let i = Atomics.add(ctl, NEXT, 1); i < chunks; i = Atomics.add(ctl, NEXT, 1)) {
    const lo = i * chunk, w = Math.min(chunk, (byCols ? n : m) - lo);
    if (byCols) {
      gemm(a, aRow, aK, b + 4 * lo * bCol, bK, bCol, c + 4 * lo, n, m, k, w, acc, packA, packB, tile, kcStep, blockSize(m, MC, MR), blockSize(w, NC, NR));
    } else {
      gemm(a + 4 * lo * aRow, aRow, aK, b, bK, bCol, c + 4 * lo * n, n, w, k, n, acc, packA, packB, tile, kcStep, blockSize(w, MC, MR), blockSize(n, NC, NR));
    }
  }
}

/** No spinning in this thread (module state is per thread) before this time: see MAIN_SPIN_MS. */
let spinOffUntil = 0;

/** Polls while ctl[i] === value, for up to `ms` (see MAIN_SPIN_MS); the caller then blocks if it must. */
function spinWhile(ctl: Int32Array, i: number, value: number, ms: number): void {
  let last = performance.now();
  if (last < spinOffUntil) return;
  for (const end = last + ms; Atomics.load(ctl, i) === value;) {
    const now = performance.now();
    if (now - last > PREEMPTED_MS) {
      spinOffUntil = now + SPIN_OFF_MS;
      return;
    }
    if (now > end) return;
    last = now;
  }
}

function isInit(x: unknown): x is GemmWorkerInit {
  const o = x as Partial<GemmWorkerInit> | null;
  return typeof o === 'object' && o !== null && o.kind === 'lnlab-gemm-worker' && typeof o.module === 'object'
    && typeof o.memory === 'object' && o.control instanceof SharedArrayBuffer && Number.isInteger(o.slot);
}

/**
 * The worker side: call it with the worker's first message. Instantiates the shared module, then serves products
 * until told to exit, blocking (Atomics.wait) between them; it returns only then. Platform-neutral, like the rest.
 */
export function runGemmWorker(init: unknown): void {
  if (!isInit(init)) throw new TypeError('runGemmWorker: the message is not a GemmWorkerInit from enableGemmThreads');
  const ctl = new Int32Array(init.control), slot = (init.slot + 1) * SLOT;
  let gemm: GemmExport;
  try {
    const wasm = api();
    if (wasm === undefined) throw new Error('no WebAssembly');
    gemm = new wasm.Instance(init.module, { env: { memory: init.memory } }).exports['gemm'] as GemmExport;
  } catch (e) {
    Atomics.store(ctl, slot + STATE, FAILED);
    throw e;
  }
  Atomics.store(ctl, slot + STATE, READY);
  for (let seen = 0; ;) {
    spinWhile(ctl, slot + SEQ, seen, WORKER_SPIN_MS);
    Atomics.wait(ctl, slot + SEQ, seen);
    const seq = Atomics.load(ctl, slot + SEQ);
    if (seq === EXIT) break;
    if (seq === seen) continue;
    seen = seq;
    let status = 0;
    try {
      runChunks(gemm, ctl, init.slot + 1);
    } catch (e) {
      status = 1;
      console.error('@lnlab/core gemm worker:', e);
    }
    Atomics.store(ctl, slot + STATUS, status);
    Atomics.store(ctl, slot + DONE, seq); // publishes this worker's chunks of C
    Atomics.notify(ctl, slot + DONE);
  }
  Atomics.store(ctl, slot + STATE, EXITED);
}
