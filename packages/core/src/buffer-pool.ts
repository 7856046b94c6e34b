// Recycled tensor storage. A fresh typed array of a few hundred KB or more is expensive to write: its memory comes
// from the allocator cold (on Linux, new pages fault in on first touch: ~5 ms for 8 MB here, against 0.35 ms to
// copy into a buffer in use), and the garbage collector must later find it dead. The autograd engine knows when
// a gradient it created during a backward pass can no longer be reached (see GradRecycler in ./autograd/engine),
// and hands its buffer back here; `allocate` gives such buffers out again, zero-filled like new ones.
//
// Only buffers that own their whole ArrayBuffer are taken, small ones are left to V8 (they live on its heap and
// are cheap), and the pool holds at most MAX_POOLED_BYTES (the rest is left to the garbage collector).
import type { DType, TypedArray } from './dtype';

/** Below this many elements a typed array is cheap to allocate: not pooled. */
const MIN_ELEMENTS = 4096;
const MAX_POOLED_BYTES = 256 * 2 ** 20;

const pools: Record<DType, Map<number, TypedArray[]>> = { float32: new Map(), float64: new Map(), int32: new Map() };
let pooledBytes = 0;
let recycledCount = 0;
let reusedCount = 0;
let enabled = true;
/** Arrays allocated while a backward pass tracks allocations (the only ones the engine may recycle). */
let tracking: Set<TypedArray> | null = null;

function dtypeKey(a: TypedArray): DType {
  return a instanceof Float32Array ? 'float32' : a instanceof Float64Array ? 'float64' : 'int32';
}

function fresh(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
  }
}

/** A zero-filled array of `size` elements: a recycled one when the pool has one of that size, else a new one. */
export function allocate(dtype: DType, size: number): TypedArray {
  let out: TypedArray | undefined;
  if (size >= MIN_ELEMENTS) {
    out = pools[dtype].get(size)?.pop();
    if (out) {
      pooledBytes -= out.byteLength;
      reusedCount++;
      out.fill(0);
    }
  }
  out ??= fresh(dtype, size);
  tracking?.add(out);
  return out;
}

/**
 * Returns `a` to the pool. The caller guarantees that nothing references `a` (or its buffer) any more: the engine
 * only recycles arrays allocated during the current backward pass (see trackAllocations) that it proved dead.
 */
export function recycle(a: TypedArray): void {
  if (!enabled || a.length < MIN_ELEMENTS || a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength) return;
  if (pooledBytes + a.byteLength > MAX_POOLED_BYTES) return;
  const pool = pools[dtypeKey(a)];
  const list = pool.get(a.length);
  if (list) list.push(a);
  else pool.set(a.length, [a]);
  pooledBytes += a.byteLength;
  recycledCount++;
}

/**
 * Runs `fn` recording every array `allocate` returns into the set it receives. Nested calls record into their own
 * set (the outer one misses those arrays, so it never recycles them: the safe side).
 */
export function withAllocationTracking<T>(fn: (allocated: ReadonlySet<TypedArray>) => T): T {
  const outer = tracking;
  const mine = new Set<TypedArray>();
  tracking = mine;
  try {
    return fn(mine);
  } finally {
    tracking = outer;
  }
}

/**
 * Turns recycling on or off (on by default) and empties the pool. Off, every allocation is a new array — for
 * measuring what the pool saves, or to rule it out when hunting a bug.
 */
export function setBufferRecycling(on: boolean): void {
  enabled = on;
  for (const pool of Object.values(pools)) pool.clear();
  pooledBytes = 0;
}

export interface BufferPoolStats {
  /** Arrays returned to the pool so far. */
  recycled: number;
  /** Allocations served from the pool so far. */
  reused: number;
  /** Bytes held by the pool now. */
  pooledBytes: number;
}

/** Counters of the pool since the process started (for tests, benchmarks and telemetry). */
export function bufferPoolStats(): BufferPoolStats {
  return { recycled: recycledCount, reused: reusedCount, pooledBytes };
}
