// Timing and statistics: warm-up, then N samples, summarised by the median (robust on a noisy shared machine).

/** A summary of per-call times in milliseconds. */
export interface Stats {
  /** Median of the samples (ms per call): the figure the tables quote. */
  median: number;
  min: number;
  max: number;
  mean: number;
  /** Number of samples. */
  reps: number;
  /** Calls per sample (fast functions are repeated so that one sample lasts ≥ minSampleMs). */
  inner: number;
  /** Calls made during warm-up. */
  warmupCalls: number;
  /** Every sample, ms per call, in the order taken. */
  samples: number[];
}

/** The median of a non-empty list (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median: empty list');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The q-quantile (0 ≤ q ≤ 1) by linear interpolation between order statistics. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error('quantile: empty list');
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile: q must be in [0, 1], got ${q}`);
  const s = [...values].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** min / median / max / mean of a list of per-call times. */
export function summarize(samples: readonly number[], inner = 1, warmupCalls = 0): Stats {
  if (samples.length === 0) throw new Error('summarize: no samples');
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const x of samples) {
    if (!Number.isFinite(x)) throw new Error(`summarize: non-finite sample ${x}`);
    min = Math.min(min, x);
    max = Math.max(max, x);
    sum += x;
  }
  return { median: median(samples), min, max, mean: sum / samples.length, reps: samples.length, inner, warmupCalls, samples: [...samples] };
}

/** (max − min) / median: how noisy a measurement was (0.1 = the samples spread over 10 % of the median). */
export function relativeSpread(s: Pick<Stats, 'min' | 'max' | 'median'>): number {
  return s.median > 0 ? (s.max - s.min) / s.median : 0;
}

export interface TimingOptions {
  /** Keep calling during warm-up until this much time has passed (V8 / wasm tiers up meanwhile). */
  warmupMs: number;
  /** …and at least this many calls. */
  minWarmupCalls: number;
  /** Upper bound on the number of samples. */
  reps: number;
  /** Lower bound on the number of samples, whatever the budget says. */
  minReps: number;
  /** Repeat fast calls inside one sample until it lasts about this long (timer resolution, call overhead). */
  minSampleMs: number;
  /** Stop adding samples beyond minReps once the samples would take longer than this. */
  budgetMs: number;
}

export const defaultTiming: TimingOptions = { warmupMs: 300, minWarmupCalls: 2, reps: 15, minReps: 5, minSampleMs: 25, budgetMs: 8_000 };
export const quickTiming: TimingOptions = { warmupMs: 20, minWarmupCalls: 1, reps: 3, minReps: 2, minSampleMs: 5, budgetMs: 400 };

/** The clock: an injectable for tests. */
export interface Clock {
  now(): number;
}
const performanceClock: Clock = { now: () => performance.now() };

function isPromise(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/**
 * Times `fn` (sync or async): warm-up, then samples of `inner` calls each, returns per-call Stats in ms.
 * The number of samples is chosen from the warm-up's fastest call: as many as fit in `budgetMs`, clamped to
 * [minReps, reps]; so a 40-second training step still gets minReps samples and a 0.1 ms matmul gets `reps`.
 */
export async function measure(fn: () => unknown, options: Partial<TimingOptions> = {}, clock: Clock = performanceClock): Promise<Stats> {
  const o: TimingOptions = { ...defaultTiming, ...options };
  if (o.minReps < 1 || o.reps < o.minReps) throw new Error(`measure: need 1 ≤ minReps ≤ reps, got ${o.minReps}, ${o.reps}`);
  let calls = 0;
  let fastest = Infinity;
  const w0 = clock.now();
  while (calls < Math.max(1, o.minWarmupCalls) || clock.now() - w0 < o.warmupMs) {
    const t = clock.now();
    const r = fn();
    if (isPromise(r)) await r;
    fastest = Math.min(fastest, clock.now() - t);
    calls++;
  }
  const once = Math.max(fastest, 1e-6);
  const inner = Math.max(1, Math.ceil(o.minSampleMs / once));
  const reps = Math.min(o.reps, Math.max(o.minReps, Math.floor(o.budgetMs / (once * inner))));
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = clock.now();
    for (let i = 0; i < inner; i++) {
      const x = fn();
      if (isPromise(x)) await x; // sync functions are called back to back, with no microtask in between
    }
    samples.push((clock.now() - t) / inner);
  }
  return summarize(samples, inner, calls);
}

/** GFLOP/s from a FLOP count and milliseconds per call. */
export function gflops(flops: number, ms: number): number {
  return flops / (ms * 1e6);
}
